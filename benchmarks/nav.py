"""Navigation env speed, measured side by side in one run: our env's steps per second (the simulator
in its worker process, frames sent back, geodesic distances, the oracle's next action, metrics)
divided by raw MiniWorld steps per second in-process at the same resolution (goal: at least 0.8).
Both walk the same way: the oracle's actions, replayed on the raw simulator."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import gymnasium as gym


def raw_rate(actions: list[tuple[int, list[str]]], width: int, height: int, queue) -> None:
    """In a fresh process (MiniWorld's OpenGL stays out of the parent): replay the actions on the bare simulator."""
    from mmturn.embodied.nav.house import CELL, HouseSim

    sim = HouseSim(width=width, height=height)
    house = sim.house
    steps, elapsed = 0, 0.0
    for _ in range(50):  # warm-up, as the env's worker was warmed up
        house.render_obs()
    for seed, acts in actions:
        sim.episode(seed)
        started = time.perf_counter()
        for a in acts:
            if a == "MOVE_FORWARD":
                house.move_agent(CELL, 0.0)
            elif a in ("TURN_LEFT", "TURN_RIGHT"):
                house.turn_agent(15.0 if a == "TURN_LEFT" else -15.0)
            house.render_obs()
            steps += 1
        elapsed += time.perf_counter() - started
    queue.put(steps / elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--size", type=int, default=224)
    args = parser.parse_args()
    import mmturn.tasks.envs  # noqa: F401  (registers the envs with gymnasium)

    env = gym.make("mmturn/VlnMiniWorld-v0", width=args.size, height=args.size).unwrapped
    env.reset(seed=10_000)  # start the worker
    played, steps, elapsed = [], 0, 0.0
    for k in range(args.episodes):
        obs, info = env.reset(seed=k)
        acts, done = [], False
        started = time.perf_counter()
        while not done:
            action = info["hints"].oracle_reply
            obs, _, term, trunc, info = env.step(action)
            acts.append(action)
            done = term or trunc
        elapsed += time.perf_counter() - started
        steps += len(acts)
        played.append((env.seed_used, acts))
    env.close()
    ours = steps / elapsed
    queue = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=raw_rate, args=(played, args.size, args.size, queue))
    proc.start()
    raw = queue.get()
    proc.join()
    print(f"vln-miniworld at {args.size}x{args.size}, {steps} oracle steps over {args.episodes} episodes")
    print(f"  mmturn env : {ours:.0f} steps/s")
    print(f"  raw MiniWorld: {raw:.0f} steps/s")
    print(f"  ratio env / raw: {ours / raw:.3f}   (goal >= 0.8)")


if __name__ == "__main__":
    main()
