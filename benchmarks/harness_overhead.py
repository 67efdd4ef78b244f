"""Harness overhead, measured side by side in one run.

1. Runner time for mmmt-if episodes with a zero-latency scripted model (oracle), logs and images
   written, divided by a raw ``reset``/``step`` loop over the same episodes (goal: at most 1.10).
   Both in one process (``--executor inline``): the overhead of the harness itself; worker processes
   and their scaling are measured by scaling.py.
2. Against a local OpenAI-compatible server that answers after 200 ms: wall time of 256 requests
   through the ``openai`` adapter at ``max_connections=32``, divided by the ideal 1.6 s (goal: at most 1.15).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import mmturn.tasks.envs  # noqa: F401  (registers the envs with gymnasium)
from mmturn.tasks.env import episode_seed
from mmturn.tasks.model import make_model
from mmturn.tasks.models.openai_chat import OpenAIChat
from mmturn.tasks.runner import RunConfig, run
from mmturn.tasks.types import Message, Part, Request
from mmturn.vision.text_stats import detect_language


def raw_loop(episodes: int) -> float:
    detect_language.cache_clear()  # both sides start cold: they play the very same episodes
    env = gym.make("mmturn/ImageDialogue-v0").unwrapped
    started = time.perf_counter()
    for i in range(episodes):
        obs, info = env.reset(seed=episode_seed(0, "mmmt-if", i), options={"index": i})
        done = False
        while not done:
            obs, reward, term, trunc, info = env.step(info["hints"].oracle_reply)
            done = term or trunc
    return time.perf_counter() - started


def runner_time(episodes: int) -> float:
    detect_language.cache_clear()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = RunConfig(
            tasks=["mmmt-if"],
            model="oracle",
            limit=episodes,
            output_dir=Path(tmp) / "run",
            progress=False,
            executor="inline",
        )
        started = time.perf_counter()
        asyncio.run(run(cfg, make_model("oracle", {})))
        return time.perf_counter() - started


def server_ratio(requests: int, connections: int, latency: float) -> tuple[float, float]:
    """The server runs in its own process, as a real one would, so it does not share our interpreter."""
    image = Part.of_image(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    server = subprocess.Popen(
        [sys.executable, "-m", "mmturn.testing.fake_openai", "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = server.stdout.readline().strip()  # printed once its socket listens
        model = OpenAIChat(model="fake", base_url=base_url, cache=None, max_connections=connections)

        async def go() -> float:
            reqs = [Request([Message("user", (Part.of_text(f"question {i}"), image))], seed=i) for i in range(requests)]
            await asyncio.gather(*[model.respond(r) for r in reqs[:connections]])  # open the pool, as a long run has
            started = time.perf_counter()
            await asyncio.gather(*[model.respond(r) for r in reqs])
            elapsed = time.perf_counter() - started
            await model.aclose()
            return elapsed

        elapsed = asyncio.run(go())
    finally:
        server.terminate()
        server.wait()
    return elapsed, requests / connections * latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--pairs", type=int, default=6)
    args = parser.parse_args()
    raw_loop(2), runner_time(2)  # warm-up: imports, fonts, tokenizer tables
    pairs = []
    for k in range(args.pairs):  # alternating order (ABBA...), so drift on a shared machine cancels out
        first, second = (raw_loop, runner_time) if k % 2 == 0 else (runner_time, raw_loop)
        a, b = first(args.episodes), second(args.episodes)
        pairs.append((a, b) if k % 2 == 0 else (b, a))
    ratios = sorted(run / raw for raw, run in pairs)
    print(f"mmmt-if, {args.episodes} episodes x 20 turns, oracle model, {args.pairs} alternating pairs")
    print(f"  raw reset/step loop : median {statistics.median(r for r, _ in pairs):.3f} s")
    print(
        f"  mmturn runner       : median {statistics.median(r for _, r in pairs):.3f} s (logs and PNG images written)"
    )
    print(
        f"  ratio runner / raw  : {statistics.median(ratios):.3f}   (median of pairs; range "
        f"{ratios[0]:.3f}..{ratios[-1]:.3f}; goal <= 1.10)"
    )
    elapsed, ideal = server_ratio(args.requests, 32, 0.2)
    print(f"{args.requests} requests, max_connections=32, server latency 200 ms")
    print(f"  wall {elapsed:.3f} s, ideal {ideal:.3f} s")
    print(f"  ratio wall / ideal  : {elapsed / ideal:.3f}   (goal <= 1.15)")


if __name__ == "__main__":
    main()
