"""The image-editing tasks."""

from dataclasses import replace

from mmturn.tasks.registry import register_task
from mmturn.tasks.task import Task
from mmturn.vision.editing import env as _env  # noqa: F401  (registers the envs)
from mmturn.vision.editing.judging import EDIT_JUDGE
from mmturn.vision.editing.metrics import EDIT_METRICS, edit_metrics
from mmturn.vision.editing.report import EditRenderer

EDIT_MULTITURN = register_task(
    Task(
        family="editing",
        in_default_run=True,
        renderer=EditRenderer(),
        name="edit-multiturn",
        env_id="mmturn/ImageEditing-v0",
        version="1.0",
        description=(
            "EdiVal-style multi-turn image editing of procedural scenes: 3-8 successive edits checked by detectors"
        ),
        metrics=edit_metrics,
        metric_names=EDIT_METRICS,
        baselines=("oracle", "identity", "random"),
        judge=EDIT_JUDGE,
    )
)
register_task(
    replace(
        EDIT_MULTITURN,
        name="edit-jsonl",
        env_id="mmturn/EditingDataset-v0",
        description="your edit sequences as JSONL (image path, instructions, optional detector-checked claims)",
        baselines=("identity", "random"),
        required_args=("path",),
        in_default_run=False,
    )
)
