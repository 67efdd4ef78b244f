"""Scale-out, measured side by side in one run: navigation episodes per second with 2 local worker
processes divided by 1 (goal: at least 1.7 on 2 cores), and with the Ray executor on 2 CPUs divided
by the local executor with 2 workers (goal: at least 0.9).

Throughput is steady-state, so that worker and simulator start-up (seconds, paid once per run) does
not count: the rate is the number of episodes finished after the first 2W (the episodes the runner
keeps in flight on W workers) divided by the time from the 2W-th episode's end to the last one's,
from the ``finished_at`` stamps of the episode records. Configurations alternate over ``--rounds``
and each prints its median; every run's metrics must equal the first run's (same seed, same episodes)."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from pathlib import Path

from mmturn.tasks.executors import RAY_SYSTEM_CONFIG
from mmturn.tasks.logs import RunDir
from mmturn.tasks.model import make_model
from mmturn.tasks.runner import RunConfig, run

TASK = "vln-miniworld"


def steady_rate(executor: str, workers: int, episodes: int, size: int, reference: dict | None) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = RunConfig(
            tasks=[TASK],
            model="oracle",
            task_args={"width": size, "height": size},
            limit=episodes,
            output_dir=Path(tmp),
            progress=False,
            executor=executor,
            workers=workers,
        )
        results = asyncio.run(run(cfg, make_model("oracle", {})))
        ends = sorted(r["finished_at"] for r in RunDir(Path(tmp)).read(TASK) if r.get("status") == "done")
    if reference is not None and results["results"] != reference["results"]:
        raise SystemExit(
            f"{executor} x{workers}: metrics differ from the first "
            f"run:\n{json.dumps(results['results'])}\n{json.dumps(reference['results'])}"
        )
    warm = 2 * workers
    return (len(ends) - warm) / (ends[-1] - ends[warm - 1]), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=24)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    configs = [("local", 1), ("local", 2)] + ([] if args.no_ray else [("ray", 2)])
    if not args.no_ray:
        import ray

        ray.init(
            num_cpus=2,
            include_dashboard=False,
            log_to_driver=False,
            namespace="mmturn",
            _system_config=RAY_SYSTEM_CONFIG,
        )
    rates: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
    reference = None
    try:
        for _ in range(args.rounds):
            for executor, workers in configs:
                rate, results = steady_rate(executor, workers, args.episodes, args.size, reference)
                reference = reference or results
                rates[(executor, workers)].append(rate)
    finally:
        if not args.no_ray:
            ray.shutdown()
    med = {c: statistics.median(r) for c, r in rates.items()}
    print(
        f"{TASK} at {args.size}x{args.size}, oracle, {args.episodes} episodes a run, median of "
        f"{args.rounds} alternating rounds "
        "(metrics identical in every run)"
    )
    for (executor, workers), value in med.items():
        rounds = ", ".join(f"{r:.2f}" for r in rates[(executor, workers)])
        print(f"  {executor}, {workers} worker(s): {value:.2f} episodes/s  (rounds: {rounds})")
    print(f"  ratio local 2 workers / 1 worker: {med[('local', 2)] / med[('local', 1)]:.3f}   (goal >= 1.7)")
    if ("ray", 2) in med:
        print(f"  ratio ray 2 CPUs / local 2 workers: {med[('ray', 2)] / med[('local', 2)]:.3f}   (goal >= 0.9)")


if __name__ == "__main__":
    main()
