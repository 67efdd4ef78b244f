"""Aggregation shared by every family: a score's values and mean over turns, its per-turn curve, and the
bootstrap over episodes that gives every metric of every task its 95% interval and standard error
(``intervals``: a family writes only its metrics function). A task without a metrics function of its own
gets ``default_metrics``: the mean of every numeric score and each score's per-turn curve."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any, Callable, Sequence

import numpy as np

TurnLog = dict[str, Any]  # one line of samples/<task>.jsonl with "type": "turn"
Episodes = list[list[TurnLog]]
BOOTSTRAP_SAMPLES, BOOTSTRAP_SEED = 1000, 0


def scores_of(episodes: Episodes, key: str) -> list[float]:
    """Every turn's value of score ``key`` (turns without it are skipped)."""
    return [t["scores"][key] for ep in episodes for t in ep if key in t["scores"]]


def mean_of(episodes: Episodes, key: str) -> float | None:
    """The mean of score ``key`` over the turns that have it; None when none has."""
    values = scores_of(episodes, key)
    return fmean(values) if values else None


def per_turn_curve(episodes: Episodes, key: str) -> list[float | None]:
    """Mean of ``key`` at each turn index (MMMT-IF's PIF-by-turn curve); None where no turn has it."""
    by_turn: dict[int, list[float]] = defaultdict(list)
    for ep in episodes:
        for t in ep:
            if key in t["scores"]:
                by_turn[t["turn"]].append(t["scores"][key])
    return [fmean(by_turn[i]) if by_turn.get(i) else None for i in range(max(by_turn) + 1)] if by_turn else []


def bootstrap_interval(
    per_episode: Sequence[Sequence[float]],
    statistic: Callable[[np.ndarray], float] = np.mean,
    level: float = 0.95,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile bootstrap over episodes (the turns of one episode are not independent, so episodes are
    resampled whole, their turns pooled): the ``level`` interval of ``statistic``, reproducible by ``seed``."""
    groups = [np.asarray(g, dtype=float) for g in per_episode if len(g)]
    if not groups:
        return None
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(groups), size=(samples, len(groups)))
    stats = np.array([statistic(np.concatenate([groups[i] for i in row])) for row in picks])
    lo, hi = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def numeric_scores(episodes: Episodes) -> list[str]:
    """The names of every numeric score in the turn records, in first-seen order."""
    names: dict[str, None] = {}
    for ep in episodes:
        for t in ep:
            names.update(
                {k: None for k, v in t["scores"].items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
            )
    return list(names)


def default_metrics(episodes: Episodes) -> dict[str, Any]:
    """Each numeric score's mean over turns, and its per-turn curve."""
    names = numeric_scores(episodes)
    return {
        "metrics": {k: fmean(scores_of(episodes, k)) for k in names},
        "curves": {k: per_turn_curve(episodes, k) for k in names},
    }


def resample_count(episodes: int) -> int:
    """Bootstrap resamples: 1000, fewer for very large runs (at least 200), so a metrics function is
    evaluated on about 200,000 episodes in all."""
    return max(200, min(1000, 200_000 // max(episodes, 1)))


def numeric(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
    }


def intervals(
    metrics_fn: Callable[[Episodes], dict[str, Any]],
    episodes: Episodes,
    level: float = 0.95,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Every numeric metric's percentile bootstrap interval and standard error: the task's own metrics
    function recomputed on episodes resampled whole with replacement (turns of one episode are not
    independent), reproducible by ``seed``. Empty with fewer than two episodes."""
    if len(episodes) < 2:
        return {}, {}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = defaultdict(list)
    for _ in range(resample_count(len(episodes))):
        picked = [episodes[i] for i in rng.integers(0, len(episodes), len(episodes))]
        for k, v in numeric(metrics_fn(picked)["metrics"]).items():
            draws[k].append(v)
    ci, stderr = {}, {}
    for k, values in draws.items():
        lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
        ci[k], stderr[k] = [float(lo), float(hi)], float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return ci, stderr
