"""The web tasks (the sample joins the no-argument run where the ``miniwob`` package is installed)."""

import importlib.util

from mmturn.embodied.gui.report import GuiRenderer
from mmturn.embodied.web import env as _env  # noqa: F401  (registers the env)
from mmturn.embodied.web.metrics import web_metrics
from mmturn.tasks.registry import register_task
from mmturn.tasks.task import Task

INSTALLED = importlib.util.find_spec("miniwob") is not None
for name, subset, default_run in (("miniwob", "all", False), ("miniwob-sample", "sample", INSTALLED)):
    register_task(
        Task(
            family="web",
            renderer=GuiRenderer(),
            in_default_run=default_run,
            name=name,
            env_id="mmturn/MiniWob-v0",
            version="1.0",
            description=(
                f"MiniWob++ web tasks in headless Chromium ({subset}; --task-args subset=all|oracle|sample or "
                "tasks=[...], scale, som, action_format)"
            ),
            metrics=web_metrics,
            metric_names=("success", "success_tasks", "reward", "steps", "valid_actions"),
            env_kwargs={"subset": subset},
            default_limit=100,
            smoke_limit=8,
            baselines=("oracle", "random"),
            seed_name="miniwob",
        )
    )
