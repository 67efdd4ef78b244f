"""Grounding metrics (ScreenSpot): accuracy overall, on text and icon targets, and per app."""
from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from mmturn.tasks.task import TurnRecord
from mmturn.vision.dialogue.metrics import per_turn_curve


def grounding_metrics(episodes: list[list[TurnRecord]]) -> dict[str, Any]:
    """accuracy = correct clicks / turns (unparseable replies count as wrong); text_acc / icon_acc by the
    target's data type; acc_<app> by app."""
    groups: dict[str, list[float]] = defaultdict(list)
    for ep in episodes:
        for t in ep:
            hit = t["scores"].get("accuracy", 0.0)
            groups["accuracy"].append(hit)
            groups[f"{t['target'].get('type', 'text')}_acc"].append(hit)
            if app := t["target"].get("app"):
                groups[f"acc_{app}"].append(hit)
    metrics = {k: fmean(v) for k, v in sorted(groups.items()) if v}
    return {"metrics": metrics, "curves": {"accuracy": per_turn_curve(episodes, "accuracy")}}
