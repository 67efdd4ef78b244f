"""GUI env cost, measured side by side in one run: the env's time per step divided by a bare PIL
render of the very same screens (goal: at most 1.5), for gui-tasks (a step applies the action to
the app state machines, rebuilds the screen, its accessibility tree and the oracle's next action,
and renders) and gui-grounding (a turn builds a seeded app screen, picks a target, renders, scores)."""

from __future__ import annotations

import argparse
import time

import gymnasium as gym

import mmturn.tasks.envs  # noqa: F401  (registers the envs with gymnasium)
from mmturn.embodied.gui import device as device_module
from mmturn.embodied.gui import grounding
from mmturn.embodied.gui.render import render


def measure(env_id: str, module, episodes: int) -> tuple[float, float, int]:
    """Time per env step, and of a bare render of each screen the env drew, done beside the env's own
    render: before it on odd screens, after it on even ones, so caches favour neither side."""
    bare = [0.0, 0]

    def render_twice(root, theme="light", marks=False):
        first = bare[1] % 2 == 1
        image = None if first else render(root, theme, marks)
        started = time.perf_counter()
        render(root, theme, marks)
        bare[0] += time.perf_counter() - started
        bare[1] += 1
        return render(root, theme, marks) if first else image

    module.render = render_twice
    try:
        env = gym.make(env_id).unwrapped
        env.reset(seed=10_000)  # warm-up: fonts
        bare[:] = [0.0, 0]
        steps, env_time = 0, 0.0
        for seed in range(episodes):
            started = time.perf_counter()
            obs, info = env.reset(seed=seed, options={"index": seed})
            done = False
            while not done:
                obs, _, term, trunc, info = env.step(info["hints"].oracle_reply)
                steps += 1
                done = term or trunc
            env_time += time.perf_counter() - started
    finally:
        module.render = render
    per_render = bare[0] / bare[1]
    return (env_time - bare[0]) / steps, per_render, steps  # the env's time without the extra renders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=43)
    args = parser.parse_args()
    for task, env_id, module in (
        ("gui-tasks", "mmturn/GuiTasks-v0", device_module),
        ("gui-grounding", "mmturn/GuiGrounding-v0", grounding),
    ):
        env_time, bare, steps = measure(env_id, module, args.episodes)
        print(
            f"{task}, {steps} steps at 1080x2400: env {env_time * 1000:.1f} ms per step (reset "
            f"included), bare PIL render {bare * 1000:.1f} ms per screen"
        )
        print(f"  ratio env / render: {env_time / bare:.3f}   (goal <= 1.5)")


if __name__ == "__main__":
    main()
