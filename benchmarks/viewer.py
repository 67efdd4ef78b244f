"""Viewer speed on a large run, measured in one run: a synthetic run of 10,000 mmmt-if-shaped episodes
(20 turns each) is written, then the viewer's pages are timed in-process: the first page, the episode list
(building the index, then from the index kept next to the run) and an episode page (goal: the first page
and an episode page in about a second)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from mmturn.tasks.records import SCHEMA_VERSION


def synthetic_run(root: Path, episodes: int, turns: int) -> None:
    (root / "samples").mkdir(parents=True)
    (root / "images").mkdir()
    with (root / "samples" / "mmmt-if.jsonl").open("w") as f:
        for i in range(episodes):
            key = {"task": "mmmt-if", "index": i, "repeat": 0, "attempt": f"a{i}", "seed": 1000 + i}
            for t in range(turns):
                ok = float((i + t) % 3 != 0)
                record = {
                    **key,
                    "type": "turn",
                    "schema": SCHEMA_VERSION,
                    "turn": t,
                    "reward": ok,
                    "observation": [{"text": f"Question {t}: how many shapes are there?"}],
                    "reply": f"There are {t % 7} shapes.",
                    "scores": {"accuracy": ok, "pif": 1.0},
                    "target": {"question": f"Question {t}", "instructions": [["punctuation:no_comma", {}]]},
                }
                f.write(json.dumps(record) + "\n")
            f.write(
                json.dumps({**key, "type": "episode", "schema": SCHEMA_VERSION, "status": "done", "turns": turns})
                + "\n"
            )
    results = {
        "schema_version": SCHEMA_VERSION,
        "config": {"model": "synthetic", "tasks": {"mmmt-if": {"version": "1.1"}}, "seed": 0},
        "results": {"mmmt-if": {"accuracy": 0.667, "pif": 1.0}},
    }
    (root / "results.json").write_text(json.dumps(results))


def timed(client: TestClient, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=20)
    args = parser.parse_args()
    from mmturn.tasks.registry import load_builtins
    from mmturn.tasks.viewer import make_app

    load_builtins()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "run"
        synthetic_run(root, args.episodes, args.turns)
        size = (root / "samples" / "mmmt-if.jsonl").stat().st_size / 1e6
        client = TestClient(make_app([root]))
        first = timed(client, "/")
        build = timed(client, "/episodes?run=0&task=mmmt-if")
        client = TestClient(make_app([root]))  # a new viewer: the index is read back, not rebuilt
        cached = timed(client, "/episodes?run=0&task=mmmt-if&failed=1&metric=accuracy&max=0.5")
        episode = timed(client, f"/episode?run=0&task=mmmt-if&index={args.episodes // 2}&repeat=0")
    print(f"synthetic run: {args.episodes} episodes x {args.turns} turns, {size:.0f} MB of samples")
    print(f"first page: {first:.2f} s")
    print(f"episode list, building the index: {build:.2f} s; with the index kept: {cached:.2f} s")
    print(f"episode page: {episode:.2f} s")


if __name__ == "__main__":
    main()
