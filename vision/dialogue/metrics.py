"""Image-dialogue metrics over turn records: MMMT-IF's PIF and PIF-N-K, IFEval's prompt- and
instruction-level accuracy (strict and loose), Multi-IF's overall, and answer accuracy."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from mmturn.tasks.metrics import TurnLog, mean_of, per_turn_curve, scores_of


def pif_n_k(episodes: list[list[TurnLog]], n: int, k: int) -> float | None:
    """PIF-N-K (MMMT-IF): fraction of turns (with instructions) where at least k of their n sampled replies have PIF
    = 1."""
    replies: dict[tuple[int, int], list[float]] = defaultdict(list)
    for ep in episodes:
        for t in ep:
            if "pif" in t["scores"]:
                replies[(t["index"], t["turn"])].append(t["scores"]["pif"])
    complete = [r for r in replies.values() if len(r) == n]
    return fmean([float(sum(p == 1.0 for p in r) >= k) for r in complete]) if complete else None


def instruction_level(episodes: list[list[TurnLog]], mode: str) -> float | None:
    """IFEval instruction-level accuracy: instructions followed / instructions checked, over all turns (micro
    average)."""
    total = sum(scores_of(episodes, "n_instructions"))
    return sum(scores_of(episodes, f"n_followed_{mode}")) / total if total else None


def dialogue_metrics(episodes: list[list[TurnLog]]) -> dict[str, Any]:
    repeats = 1 + max((t["repeat"] for ep in episodes for t in ep), default=0)
    metrics: dict[str, float | None] = {
        "accuracy": mean_of(episodes, "accuracy"),
        "chair_i": mean_of(episodes, "chair_i"),  # hallucinated objects in descriptions (lower is better)
        "chair_i_detector": mean_of(episodes, "chair_i_detector"),  # the same, with a detector as ground truth
        "claims_correct": mean_of(episodes, "claims_correct"),  # description claims a detector confirms
        "clipscore": mean_of(episodes, "clipscore"),
        "pif": mean_of(episodes, "pif"),
        "prompt_strict": mean_of(episodes, "prompt_strict"),
        "prompt_loose": mean_of(episodes, "prompt_loose"),
        "inst_strict": instruction_level(episodes, "strict"),
        "inst_loose": instruction_level(episodes, "loose"),
    }
    four = [metrics[k] for k in ("prompt_strict", "prompt_loose", "inst_strict", "inst_loose")]
    metrics["ifeval_overall"] = fmean(four) if None not in four else None  # Multi-IF: the mean of the four
    for k in range(1, repeats + 1) if repeats > 1 else ():
        metrics[f"pif_{repeats}_{k}"] = pif_n_k(episodes, repeats, k)
    curves = {"pif": per_turn_curve(episodes, "pif"), "accuracy": per_turn_curve(episodes, "accuracy")}
    return {"metrics": {k: v for k, v in metrics.items() if v is not None}, "curves": curves}


DIALOGUE_METRICS = (
    "accuracy",
    "chair_i",
    "chair_i_detector",
    "claims_correct",
    "clipscore",
    "pif",
    "prompt_strict",
    "prompt_loose",
    "inst_strict",
    "inst_loose",
    "ifeval_overall",
    "pif_N_K",
)
