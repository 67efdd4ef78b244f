"""Image-dialogue env speed and memory, measured in one run.

1. Turns per second of the env alone (reset + step with the oracle's reply) on mmmt-if dialogues.
2. Peak memory of a 50-turn dialogue with one new image per turn, played through the runner with
   logs: the peak divided by the bytes of the episode's distinct images (an image is held once,
   however many turns of history refer to it), and the log's size per turn (images are files
   named by content hash, never inlined: the samples hold only their names).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

import gymnasium as gym

import mmturn.tasks.envs  # noqa: F401  (registers the envs with gymnasium)
from mmturn.tasks.env import episode_seed
from mmturn.tasks.model import make_model
from mmturn.tasks.runner import RunConfig, run


def turns_per_second(episodes: int) -> tuple[float, int]:
    env = gym.make("mmturn/ImageDialogue-v0").unwrapped
    turns, started = 0, time.perf_counter()
    for i in range(episodes):
        obs, info = env.reset(seed=episode_seed(0, "mmmt-if", i))
        done = False
        while not done:
            obs, _, term, trunc, info = env.step(info["hints"].oracle_reply)
            turns += 1
            done = term or trunc
    return turns / (time.perf_counter() - started), turns


def long_dialogue_memory(turns: int) -> dict:
    env_args = {"num_turns": turns, "num_images": (turns, turns)}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cfg = RunConfig(tasks=["mmmt-if"], model="oracle", limit=1, output_dir=out, task_args=env_args, progress=False)
        tracemalloc.start()
        asyncio.run(run(cfg, make_model("oracle", {})))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        env = gym.make("mmturn/ImageDialogue-v0", **env_args).unwrapped
        env.reset(seed=episode_seed(0, "mmmt-if", 0))
        images = {p.digest: p.image.nbytes for t in env.episode.turns for p in t.parts if p.kind == "image"}
        samples = out / "samples" / "mmmt-if.jsonl"
        records = [json.loads(x) for x in samples.read_text().splitlines()]
        logged = [p["image"] for r in records if r["type"] == "turn" for p in r["observation"] if "image" in p]
        return {
            "turns": sum(r["type"] == "turn" for r in records),
            "distinct_images": len(images),
            "image_mb": sum(images.values()) / 2**20,
            "peak_mb": peak / 2**20,
            "image_refs_logged": len(logged),
            "image_files": len(list((out / "images").iterdir())),
            "log_bytes_per_turn": samples.stat().st_size / max(1, sum(r["type"] == "turn" for r in records)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args()
    turns_per_second(1)  # warm-up
    tps, n = turns_per_second(args.episodes)
    print(f"env alone: {tps:.1f} turns/s over {n} turns ({args.episodes} mmmt-if episodes, oracle replies scored)")
    m = long_dialogue_memory(args.turns)
    print(
        f"{m['turns']}-turn dialogue, one new image per turn ({m['distinct_images']} distinct images, "
        f"{m['image_mb']:.1f} MB of pixels):"
    )
    print(f"  peak traced memory      : {m['peak_mb']:.1f} MB")
    print(
        f"  ratio peak / image bytes: {m['peak_mb'] / m['image_mb']:.2f}   (history kept by "
        f"reference: no per-turn copies)"
    )
    print(
        f"  images logged {m['image_refs_logged']} times, {m['image_files']} image files; samples log "
        f"{m['log_bytes_per_turn']:.0f} bytes per turn"
    )


if __name__ == "__main__":
    main()
