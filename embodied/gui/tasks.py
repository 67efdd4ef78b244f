"""The GUI tasks."""
from mmturn.embodied.gui import grounding as _grounding  # noqa: F401  (registers the envs)
from mmturn.embodied.gui.metrics import grounding_metrics
from mmturn.tasks.registry import register_task
from mmturn.tasks.task import Task

METRICS = ("accuracy", "text_acc", "icon_acc", "acc_<app>")

register_task(Task(
    name="gui-grounding", env_id="mmturn/GuiGrounding-v0", version="1.0",
    description="ScreenSpot-style grounding on Android-style screens of eight apps: click the named element (5 screens an episode)",
    metrics=grounding_metrics, metric_names=METRICS, baselines=("oracle", "random", "ocr"),
))
for name, fmt in (("screenspot", "screenspot"), ("screenspot-pro", "screenspot-pro")):
    register_task(Task(
        name=name, env_id="mmturn/GuiGroundingDataset-v0", version="1.0",
        description=f"your copy of {name.replace('screenspot', 'ScreenSpot')}: --task-args path=annotations.json,image_root=DIR",
        metrics=grounding_metrics, metric_names=METRICS, env_kwargs={"format": fmt}, required_args=("path",),
        baselines=("oracle", "random", "ocr"), builtin=False,
    ))
