"""``mmturn compare A B``: two runs' metrics on the episodes both played, paired by task, episode seed and
repeat. For every metric: the two values, the difference B - A, its 95% paired-bootstrap interval (the
pairs resampled whole, both runs' episodes together) and a two-sided paired permutation p-value (each
pair's two episodes swapped at random), all from the task's own metrics function, reproducible by seed.
Runs that share no episodes are refused unless ``unpaired`` (then A and B are resampled apart, and the
output says so)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mmturn.tasks.logs import RunDir, finished_episodes
from mmturn.tasks.metrics import BOOTSTRAP_SEED, Episodes, numeric, resample_count
from mmturn.tasks.registry import TASKS
from mmturn.tasks.results import load_results
from mmturn.tasks.task import MetricsFn


def by_seed(root: Path, task: str) -> dict[tuple[int, int], list[dict[str, Any]]]:
    run = RunDir(root)
    try:
        episodes = finished_episodes(run.read(task))
    finally:
        run.close()
    return {(turns[0]["seed"], repeat): turns for (_, repeat), turns in episodes.items() if turns}


def paired_differences(
    metrics_fn: MetricsFn,
    a: Episodes,
    b: Episodes,
    paired: bool = True,
    seed: int = BOOTSTRAP_SEED,
    samples: int | None = None,
    p_values: bool = True,
) -> dict[str, dict[str, Any]]:
    """Per metric: a, b, diff = b - a, its 95% interval, the permutation p-value (paired, ``p_values``) and n."""
    value_a, value_b = numeric(metrics_fn(a)["metrics"]), numeric(metrics_fn(b)["metrics"])
    names = [k for k in value_a if k in value_b]
    rng = np.random.default_rng(seed)
    count = samples or resample_count(len(a) + len(b))
    diffs: dict[str, list[float]] = {k: [] for k in names}
    for _ in range(count):
        ia = rng.integers(0, len(a), len(a))
        ib = ia if paired else rng.integers(0, len(b), len(b))
        ma, mb = numeric(metrics_fn([a[i] for i in ia])["metrics"]), numeric(metrics_fn([b[i] for i in ib])["metrics"])
        for k in names:
            if k in ma and k in mb:
                diffs[k].append(mb[k] - ma[k])
    extreme = dict.fromkeys(names, 0)
    if paired and p_values:
        for _ in range(count):
            swap = rng.random(len(a)) < 0.5
            pa = [b[i] if s else a[i] for i, s in enumerate(swap)]
            pb = [a[i] if s else b[i] for i, s in enumerate(swap)]
            ma, mb = numeric(metrics_fn(pa)["metrics"]), numeric(metrics_fn(pb)["metrics"])
            for k in names:
                observed = abs(value_b[k] - value_a[k])
                extreme[k] += k in ma and k in mb and abs(mb[k] - ma[k]) >= observed - 1e-12
    out = {}
    for k in names:
        lo, hi = np.quantile(diffs[k], [0.025, 0.975]) if diffs[k] else (np.nan, np.nan)
        out[k] = {
            "a": value_a[k],
            "b": value_b[k],
            "diff": value_b[k] - value_a[k],
            "ci": [float(lo), float(hi)],
            "p": (extreme[k] + 1) / (count + 1) if paired and p_values else None,
            "n": len(a) if paired else [len(a), len(b)],
        }
    return out


def compare_stats(a: Path, b: Path, tasks: list[str] | None = None, unpaired: bool = False) -> dict[str, Any]:
    """Every task both runs played: its metrics' paired differences (``unpaired``: independent resampling)."""
    ra, rb = load_results(a), load_results(b)
    names = [t for t in (tasks or ra["config"]["tasks"]) if t in rb["config"]["tasks"] and t in TASKS]
    if not names:
        raise ValueError(f"{a} and {b} share no task")
    out: dict[str, Any] = {"paired": not unpaired}
    for name in names:
        ea, eb = by_seed(a, name), by_seed(b, name)
        shared = sorted(set(ea) & set(eb))
        if not unpaired and not shared:
            raise ValueError(
                f"{name}: {a} and {b} share no episode (seed and repeat); pass --unpaired to compare them anyway"
            )
        if unpaired:
            first, second = list(ea.values()), list(eb.values())
        else:
            first, second = [ea[k] for k in shared], [eb[k] for k in shared]
        if first and second:
            out[name] = paired_differences(TASKS.get(name).metrics, first, second, paired=not unpaired)
    return out
