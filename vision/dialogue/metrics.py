"""Image-dialogue metrics over turn records: MMMT-IF's PIF and PIF-N-K, IFEval's prompt- and
instruction-level accuracy (strict and loose), Multi-IF's overall, and answer accuracy."""
from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from mmturn.tasks.task import TurnRecord


def _scores(episodes: list[list[TurnRecord]], key: str) -> list[float]:
    return [t["scores"][key] for ep in episodes for t in ep if key in t["scores"]]


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def per_turn_curve(episodes: list[list[TurnRecord]], key: str) -> list[float | None]:
    """Mean of ``key`` at each turn index (MMMT-IF's PIF-by-turn curve)."""
    by_turn: dict[int, list[float]] = defaultdict(list)
    for ep in episodes:
        for t in ep:
            if key in t["scores"]:
                by_turn[t["turn"]].append(t["scores"][key])
    return [_mean(by_turn.get(i, [])) for i in range(max(by_turn) + 1)] if by_turn else []


def pif_n_k(episodes: list[list[TurnRecord]], n: int, k: int) -> float | None:
    """PIF-N-K (MMMT-IF): fraction of turns (with instructions) where at least k of their n sampled replies have PIF = 1."""
    replies: dict[tuple[int, int], list[float]] = defaultdict(list)
    for ep in episodes:
        for t in ep:
            if "pif" in t["scores"]:
                replies[(t["index"], t["turn"])].append(t["scores"]["pif"])
    complete = [r for r in replies.values() if len(r) == n]
    return _mean([float(sum(p == 1.0 for p in r) >= k) for r in complete])


def instruction_level(episodes: list[list[TurnRecord]], mode: str) -> float | None:
    """IFEval instruction-level accuracy: instructions followed / instructions checked, over all turns (micro average)."""
    total = sum(_scores(episodes, "n_instructions"))
    return sum(_scores(episodes, f"n_followed_{mode}")) / total if total else None


def dialogue_metrics(episodes: list[list[TurnRecord]]) -> dict[str, Any]:
    repeats = 1 + max((t["repeat"] for ep in episodes for t in ep), default=0)
    metrics: dict[str, float | None] = {
        "accuracy": _mean(_scores(episodes, "accuracy")),
        "chair_i": _mean(_scores(episodes, "chair_i")),  # hallucinated objects in descriptions (lower is better)
        "chair_i_detector": _mean(_scores(episodes, "chair_i_detector")),  # the same, with a detector as ground truth
        "claims_correct": _mean(_scores(episodes, "claims_correct")),  # description claims a detector confirms
        "clipscore": _mean(_scores(episodes, "clipscore")),
        "pif": _mean(_scores(episodes, "pif")),
        "prompt_strict": _mean(_scores(episodes, "prompt_strict")),
        "prompt_loose": _mean(_scores(episodes, "prompt_loose")),
        "inst_strict": instruction_level(episodes, "strict"),
        "inst_loose": instruction_level(episodes, "loose"),
    }
    four = [metrics[k] for k in ("prompt_strict", "prompt_loose", "inst_strict", "inst_loose")]
    metrics["ifeval_overall"] = fmean(four) if None not in four else None  # Multi-IF: the mean of the four
    for k in range(1, repeats + 1) if repeats > 1 else ():
        metrics[f"pif_{repeats}_{k}"] = pif_n_k(episodes, repeats, k)
    curves = {"pif": per_turn_curve(episodes, "pif"), "accuracy": per_turn_curve(episodes, "accuracy")}
    return {"metrics": {k: v for k, v in metrics.items() if v is not None}, "curves": curves}


DIALOGUE_METRICS = ("accuracy", "chair_i", "chair_i_detector", "claims_correct", "clipscore", "pif", "prompt_strict", "prompt_loose", "inst_strict", "inst_loose", "ifeval_overall", "pif_N_K")
