"""Image-editing metrics over turn records (EdiVal-Agent's axes): instruction following, consistency
and quality, their per-turn curves (how errors accumulate), and episodes whose every edit held."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from mmturn.tasks.metrics import TurnLog, mean_of, per_turn_curve

EDIT_SCORES = (
    "follow",
    "claims",
    "consistency",
    "preserved",
    "ssim_unchanged",
    "l1_unchanged",
    "clip_unchanged",
    "quality",
    "quality_sharpness",
    "quality_noise",
)
EDIT_METRICS = EDIT_SCORES + ("all_followed",)


def edit_metrics(episodes: list[list[TurnLog]]) -> dict[str, Any]:
    """Means over turns of each score; ``all_followed``: fraction of episodes whose every turn has follow = 1."""
    metrics: dict[str, float] = {}
    for key in EDIT_SCORES:
        if (value := mean_of(episodes, key)) is not None:
            metrics[key] = value
    followed = [
        all(t["scores"].get("follow", 0.0) == 1.0 for t in ep)
        for ep in episodes
        if any("follow" in t["scores"] for t in ep)
    ]
    if followed:
        metrics["all_followed"] = fmean(map(float, followed))
    curves = {k: per_turn_curve(episodes, k) for k in ("follow", "consistency", "quality")}
    return {"metrics": metrics, "curves": {k: v for k, v in curves.items() if v}}
