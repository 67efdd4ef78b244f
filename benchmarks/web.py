"""Web env speed, measured side by side in one run: our MiniWob++ env's steps per second (the reply
parsed in its action format, the action carried out, state, DOM, screenshot and the oracle's next action)
divided by the raw ``miniwob`` gymnasium env's steps per second on the same clicks (goal: at least 0.8 at
the same screenshot size, scale=1). Also printed: our rate at the default scale 3 (a 480x630 screenshot)."""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

TASK = "click-checkboxes-large"  # many clicks an episode: steps, not resets, dominate


def ours(scale: float, episodes: int) -> tuple[float, list[tuple[int, list[tuple[float, float]]]]]:
    from mmturn.tasks.registry import TASKS, load_builtins

    load_builtins()
    env = TASKS.get("miniwob").make_env({"tasks": (TASK,), "scale": scale})
    env.reset(seed=10_000, options={"index": 0})  # start the browser
    played, steps, elapsed = [], 0, 0.0
    for k in range(episodes):
        _, info = env.reset(seed=k, options={"index": 0})
        clicks, done = [], False
        started = time.perf_counter()
        while not done:
            reply = info["hints"].oracle_reply
            _, _, terminated, truncated, info = env.step(reply)
            if info["details"]["point"]:
                clicks.append(tuple(v / scale for v in info["details"]["point"]))
            done = terminated or truncated
            steps += 1
        elapsed += time.perf_counter() - started
        played.append((k, clicks))
    env.close()
    return steps / elapsed, played


def raw(played: list[tuple[int, list[tuple[float, float]]]]) -> float:
    import miniwob

    gym.register_envs(miniwob)
    env = gym.make(f"miniwob/{TASK}-v1", action_space_config="all_supported").unwrapped
    env.reset(seed=10_000)
    steps, elapsed = 0, 0.0
    for seed, clicks in played:
        env.reset(seed=seed)
        started = time.perf_counter()
        for x, y in clicks:
            env.step(env.create_action("CLICK_COORDS", coords=np.array([x, y], dtype=np.float32)))
            steps += 1
        elapsed += time.perf_counter() - started
    env.close()
    return steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=10)
    args = parser.parse_args()
    same, played = ours(1.0, args.episodes)
    bare = raw(played)
    default, _ = ours(3.0, args.episodes)
    print(f"raw miniwob env: {bare:.1f} steps/s ({sum(len(c) for _, c in played)} clicks)")
    print(f"mmturn web env: {same:.1f} steps/s at scale 1, {default:.1f} at scale 3")
    print(f"ratio scale 1 / raw: {same / bare:.2f} (goal >= 0.8)")
    print(f"ratio scale 3 / raw: {default / bare:.2f}")


if __name__ == "__main__":
    main()
