"""The GUI tasks."""

from mmturn.embodied.gui import agent_tasks as _agent_tasks  # noqa: F401  (registers the envs)
from mmturn.embodied.gui import grounding as _grounding  # noqa: F401
from mmturn.embodied.gui.goals import GOALS
from mmturn.embodied.gui.metrics import grounding_metrics, step_metrics, task_metrics
from mmturn.embodied.gui.report import GuiRenderer
from mmturn.tasks.registry import register_task
from mmturn.tasks.task import Task

METRICS = ("accuracy", "text_acc", "icon_acc", "acc_<app>")

register_task(
    Task(
        family="gui",
        renderer=GuiRenderer(),
        in_default_run=True,
        name="gui-grounding",
        env_id="mmturn/GuiGrounding-v0",
        version="1.0",
        description=(
            "ScreenSpot-style grounding on Android-style screens of eight apps: click the named element (5 "
            "screens an episode)"
        ),
        metrics=grounding_metrics,
        metric_names=METRICS,
        baselines=("oracle", "random", "ocr"),
    )
)
for name, fmt in (("screenspot", "screenspot"), ("screenspot-pro", "screenspot-pro")):
    register_task(
        Task(
            family="gui",
            renderer=GuiRenderer(),
            name=name,
            env_id="mmturn/GuiGroundingDataset-v0",
            version="1.0",
            description=(
                f"your copy of {name.replace('screenspot', 'ScreenSpot')}: --task-args "
                f"path=annotations.json,image_root=DIR"
            ),
            metrics=grounding_metrics,
            metric_names=METRICS,
            env_kwargs={"format": fmt},
            required_args=("path",),
            baselines=("oracle", "random", "ocr"),
        )
    )
register_task(
    Task(
        family="gui",
        renderer=GuiRenderer(),
        in_default_run=True,
        name="gui-tasks",
        env_id="mmturn/GuiTasks-v0",
        version="1.0",
        description=(
            f"AndroidWorld-style goals over the eight apps ({len(GOALS)} templates, infeasible ones included), "
            f"judged from app state"
        ),
        metrics=task_metrics,
        metric_names=(
            "success",
            "success_templates",
            "success_feasible",
            "success_infeasible",
            "steps",
            "valid_actions",
        ),
        default_limit=len(GOALS),
        smoke_limit=8,
        baselines=("oracle", "random"),
    )
)
for name, level in (("gui-steps", "low"), ("gui-steps-high", "high")):
    register_task(
        Task(
            family="gui",
            renderer=GuiRenderer(),
            in_default_run=True,
            name=name,
            env_id="mmturn/GuiSteps-v0",
            version="1.0",
            description=(
                f"AndroidControl-style step-wise action prediction on oracle trajectories ({level}-level instructions)"
            ),
            metrics=step_metrics,
            metric_names=("type_acc", "step_acc_aitw", "step_acc_strict", "episode_acc_aitw"),
            env_kwargs={"level": level},
            default_limit=len(GOALS),
            smoke_limit=8,
            baselines=("oracle", "random"),
            seed_name="gui-steps",  # the same trajectories at both levels
        )
    )
