"""MiniWob++ metrics: success (MiniWob's convention: reward above 0), the raw reward, success per task
and its mean over tasks, steps and the share of valid actions; per-turn curves (intervals: tasks/metrics.py)."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from mmturn.tasks.metrics import TurnLog, per_turn_curve


def web_metrics(episodes: list[list[TurnLog]]) -> dict[str, Any]:
    """success = mean over episodes of (final reward > 0); success_tasks = mean over tasks of their mean
    success (every task weighs the same); success_<task>; reward = mean raw reward in [-1, 1]."""
    if not episodes:
        return {"metrics": {}, "curves": {}}
    by_task: dict[str, list[float]] = defaultdict(list)
    for ep in episodes:
        by_task[ep[-1]["target"]["task"]].append(ep[-1]["scores"].get("success", 0.0))
    last = [ep[-1]["scores"] for ep in episodes]
    metrics = {
        "success": fmean(s.get("success", 0.0) for s in last),
        "success_tasks": fmean(fmean(v) for v in by_task.values()),
        "reward": fmean(s.get("reward", -1.0) for s in last),
        "steps": fmean(len(ep) for ep in episodes),
        "valid_actions": fmean(t["scores"].get("valid", 0.0) for ep in episodes for t in ep),
        **{f"success_{task}": fmean(v) for task, v in sorted(by_task.items())},
    }
    return {"metrics": metrics, "curves": {"valid": per_turn_curve(episodes, "valid")}}
