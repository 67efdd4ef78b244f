"""GUI env cost, measured side by side in one run: the grounding env's time per turn (building the
app screen, its accessibility tree, the target, rendering, scoring the reply) divided by a bare PIL
render of the very same screens (goal: at most 1.5)."""
from __future__ import annotations

import argparse
import time

import gymnasium as gym

import mmturn  # noqa: F401
from mmturn.embodied.gui import grounding
from mmturn.embodied.gui.render import render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=20)
    args = parser.parse_args()
    screens = []

    def recording_render(root, theme="light"):
        screens.append((root, theme))
        return render(root, theme)

    grounding.render = recording_render  # remember which screens the env drew, to draw them again bare
    env = gym.make("mmturn/GuiGrounding-v0").unwrapped
    env.reset(seed=10_000)  # warm-up: fonts
    screens.clear()
    turns, started = 0, time.perf_counter()
    for seed in range(args.episodes):
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            obs, _, done, _, info = env.step(info["privileged"].get("oracle_reply", ""))
            turns += 1
    env_time = (time.perf_counter() - started) / turns
    started = time.perf_counter()
    for root, theme in screens:
        render(root, theme)
    bare = (time.perf_counter() - started) / len(screens)
    print(f"gui-grounding, {turns} turns at 1080x2400")
    print(f"  env per turn     : {env_time * 1000:.1f} ms")
    print(f"  bare PIL render  : {bare * 1000:.1f} ms per screen")
    print(f"  ratio env / render: {env_time / bare:.3f}   (goal <= 1.5)")


if __name__ == "__main__":
    main()
