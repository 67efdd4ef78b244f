"""Grounding metrics (ScreenSpot): accuracy overall, on text and icon targets, and per app."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from mmturn.tasks.metrics import TurnLog, per_turn_curve


def grounding_metrics(episodes: list[list[TurnLog]]) -> dict[str, Any]:
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


def task_metrics(episodes: list[list[TurnLog]]) -> dict[str, Any]:
    """AndroidWorld: success per episode (its last turn), ``success`` = mean over episodes and
    ``success_templates`` = mean over templates of their mean (AndroidWorld's Average); also
    success on feasible and infeasible goals, steps taken and the share of parseable actions."""
    by_template: dict[str, list[float]] = defaultdict(list)
    split: dict[str, list[float]] = defaultdict(list)
    steps, valid = [], []
    for ep in episodes:
        last = ep[-1]
        success = last["scores"].get("success", 0.0)
        by_template[last["target"]["template"]].append(success)
        split["success_feasible" if last["target"]["feasible"] else "success_infeasible"].append(success)
        steps.append(len(ep))
        valid += [t["scores"].get("valid", 0.0) for t in ep]
    metrics = (
        {
            "success": fmean(s for v in by_template.values() for s in v),
            "success_templates": fmean(fmean(v) for v in by_template.values()),
            **{k: fmean(v) for k, v in split.items()},
            "steps": fmean(steps),
            "valid_actions": fmean(valid),
        }
        if episodes
        else {}
    )
    return {"metrics": metrics, "curves": {}}


def step_metrics(episodes: list[list[TurnLog]]) -> dict[str, Any]:
    """Step-wise (AndroidControl / AITW): action-type accuracy, step accuracy by AITW's rule and by
    the strict rule, and the share of episodes whose every step matches (AITW's complete match)."""
    turns = [t for ep in episodes for t in ep]
    if not turns:
        return {"metrics": {}, "curves": {}}
    metrics = {
        "type_acc": fmean(t["scores"]["type_match"] for t in turns),
        "step_acc_aitw": fmean(t["scores"]["aitw"] for t in turns),
        "step_acc_strict": fmean(t["scores"]["strict"] for t in turns),
        "episode_acc_aitw": fmean(float(all(t["scores"]["aitw"] for t in ep)) for ep in episodes),
    }
    return {"metrics": metrics, "curves": {"step_acc_aitw": per_turn_curve(episodes, "aitw")}}
