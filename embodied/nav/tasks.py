"""The navigation tasks."""

from __future__ import annotations

from dataclasses import replace
from statistics import fmean
from typing import Any

from mmturn.embodied.nav import env as _env  # noqa: F401  (registers the env)
from mmturn.embodied.nav.report import NavRenderer
from mmturn.tasks.metrics import TurnLog
from mmturn.tasks.registry import TASKS, register_task
from mmturn.tasks.task import Task

NAV_METRICS = (
    "success",
    "spl",
    "soft_spl",
    "oracle_success",
    "ndtw",
    "sdtw",
    "nav_error",
    "nav_error_unreachable",
    "path_length",
    "collisions",
    "steps",
)
COUNTED = ("nav_error_unreachable",)  # summed (a count of episodes), not averaged


def nav_metrics(episodes: list[list[TurnLog]]) -> dict[str, Any]:
    """VLN-CE's aggregation: each measure's plain mean over episodes (from each episode's last turn);
    nav_error over the episodes that ended somewhere reachable, nav_error_unreachable counts the others."""
    finals = [ep[-1]["scores"] for ep in episodes if ep and "success" in ep[-1]["scores"]]
    metrics = {}
    for name in NAV_METRICS + ("questions",):
        values = [f[name] for f in finals if name in f]
        if values:
            metrics[name] = float(sum(values)) if name in COUNTED else fmean(values)
    return {"metrics": metrics, "curves": {}}


VLN = register_task(
    Task(
        family="navigation",
        in_default_run=True,
        renderer=NavRenderer(),
        name="vln-miniworld",
        env_id="mmturn/VlnMiniWorld-v0",
        version="1.0",
        description="R2R/VLN-CE-style instruction following in procedurally generated MiniWorld houses (3D, headless)",
        metrics=nav_metrics,
        metric_names=NAV_METRICS,
        default_limit=20,
        smoke_limit=2,
        baselines=("oracle", "random", "forward"),
        history=1,  # the instruction is repeated every turn
    )
)
register_task(
    replace(
        VLN,
        name="vln-dialog-miniworld",
        env_kwargs={"mode": "dialog"},
        metric_names=NAV_METRICS + ("questions",),
        seed_name="vln-miniworld",
        description=(
            "CVDN-style: only the target is named; the agent may reply 'ASK: ...' and a guide answers with the "
            "next sub-instruction"
        ),
    )
)
register_task(
    replace(
        VLN,
        name="imagenav-miniworld",
        env_kwargs={"mode": "imagegoal"},
        seed_name="vln-miniworld",
        description="image-goal navigation: the first image shows the view at the goal; find it and stop there",
    )
)

from mmturn.embodied.nav import habitat as _habitat  # noqa: E402

if _habitat.AVAILABLE:
    register_task(
        replace(
            VLN,
            name="vln-habitat",
            env_id="mmturn/VlnHabitat-v0",
            in_default_run=False,
            required_args=("path", "scenes_dir"),
            description=(
                "VLN-CE (R2R / RxR episode files) in habitat-sim: --task-args "
                "path=val_seen.json.gz,scenes_dir=DIR[,gt_path=...]"
            ),
            baselines=("random",),
        )
    )
else:
    TASKS.unavailable("vln-habitat", "needs habitat-sim: conda install habitat-sim -c conda-forge -c aihabitat")
