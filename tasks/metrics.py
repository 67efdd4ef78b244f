"""Aggregation shared by every family: a score's values and mean over turns, its per-turn curve, and a
bootstrap interval over episodes. A task without a metrics function of its own gets ``default_metrics``:
the mean of every numeric score with its interval, and each score's per-turn curve."""

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
    """Each numeric score's mean over turns, its 95% bootstrap interval over episodes, and its per-turn curve."""
    names = numeric_scores(episodes)
    metrics = {k: fmean(scores_of(episodes, k)) for k in names}
    ci = {k: bootstrap_interval([[t["scores"][k] for t in ep if k in t["scores"]] for ep in episodes]) for k in names}
    return {
        "metrics": metrics,
        "ci": {k: list(v) for k, v in ci.items() if v is not None},
        "curves": {k: per_turn_curve(episodes, k) for k in names},
    }
