"""Long runs keep memory flat: a 1,000-episode run (mmmt-if, oracle: 20 turns, images, growing
histories, logs), with the resident memory of the runner and of its worker processes sampled when
the 100th and the 1,000th episode are logged (the run goes on for 20 more, so that the samples are
taken mid-run, not while results are computed). Prints both and the growth (goal: under 10%)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
from pathlib import Path

import psutil

from mmturn.tasks.model import make_model
from mmturn.tasks.runner import RunConfig, run


def rss_mb() -> tuple[float, float]:
    """Resident memory of this process and of this process with all its descendants, in MB."""
    me = psutil.Process()
    mine = me.memory_info().rss
    total = mine
    for child in me.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return mine / 2**20, total / 2**20


class EpisodeWatch(threading.Thread):
    """Follows the samples file (by offset, never re-reading it) and samples memory at episode marks."""

    def __init__(self, samples: Path, marks: tuple[int, ...]) -> None:
        super().__init__(daemon=True)
        self.samples, self.marks, self.at = samples, marks, {}
        self.done = threading.Event()

    def run(self) -> None:
        offset, episodes = 0, 0
        while not self.done.wait(0.05) and len(self.at) < len(self.marks):
            if not self.samples.exists():
                continue
            with self.samples.open("rb") as f:
                f.seek(offset)
                chunk = f.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            offset += len(complete)
            episodes += complete.count(b'"status": "done"')
            for mark in self.marks:
                if episodes >= mark and mark not in self.at:
                    self.at[mark] = rss_mb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--first", type=int, default=100)
    parser.add_argument("--task", default="mmmt-if")
    parser.add_argument("--executor", default="local")
    args = parser.parse_args()
    marks = (args.first, args.episodes)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        watch = EpisodeWatch(out / "samples" / f"{args.task}.jsonl", marks)
        watch.start()
        cfg = RunConfig(
            tasks=[args.task],
            model="oracle",
            limit=args.episodes + 20,
            output_dir=out,
            progress=False,
            executor=args.executor,
        )
        results = asyncio.run(run(cfg, make_model("oracle", {})))
        watch.done.set()
        watch.join()
    counts = results["counts"][args.task]
    print(f"{args.task}, oracle, {counts['episodes']} episodes, {counts['turns']} turns, executor {args.executor}")
    for mark in marks:
        mine, total = watch.at.get(mark, (float("nan"), float("nan")))
        print(f"  at episode {mark:>5}: runner {mine:7.1f} MB, runner and workers {total:7.1f} MB")
    (m0, t0), (m1, t1) = watch.at[marks[0]], watch.at[marks[1]]
    print(
        f"  ratio growth runner: {m1 / m0:.3f}   ratio growth runner and workers: {t1 / t0:.3f}   "
        f"(goal: growth under 10%, ratio < 1.10)"
    )


if __name__ == "__main__":
    main()
