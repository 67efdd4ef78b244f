"""The image-dialogue tasks."""

from dataclasses import replace

from mmturn.tasks.registry import register_task
from mmturn.tasks.task import Task
from mmturn.vision.dialogue import env as _env  # noqa: F401  (registers the envs)
from mmturn.vision.dialogue.judging import DIALOGUE_JUDGE, MMDU_JUDGE
from mmturn.vision.dialogue.metrics import DIALOGUE_METRICS, dialogue_metrics
from mmturn.vision.dialogue.report import DialogueRenderer

MMMT_IF = register_task(
    Task(
        family="dialogue",
        in_default_run=True,
        renderer=DialogueRenderer(),
        name="mmmt-if",
        env_id="mmturn/ImageDialogue-v0",
        version="1.1",  # 1.1: "which shapes changed between the images" comparisons
        description=(
            "MMMT-IF-style 20-turn dialogues over procedural images with accumulating answer-format instructions"
        ),
        metrics=dialogue_metrics,
        metric_names=DIALOGUE_METRICS,
        baselines=("oracle", "random", "forgetful"),
        judge=DIALOGUE_JUDGE,
    )
)
register_task(
    replace(
        MMMT_IF,
        name="mmmt-if-reminder",
        description="mmmt-if with every active instruction restated at the end of each turn (MMMT-IF's ablation)",
        env_kwargs={"reminder": True},
        seed_name="mmmt-if",  # the same dialogues as mmmt-if, so the two measure the reminder's gain
    )
)
for name, fmt, what in (
    ("dialogue-jsonl", "jsonl", "your image dialogues as JSONL (images, turns with question, answer, instructions)"),
    (
        "mmdu",
        "mmdu",
        "MMDU benchmark JSON (instruction following of free-form answers; references kept for the report)",
    ),
    ("mmmt-if-csv", "mmmt-if-csv", "the MMMT-IF release CSV with image paths filled from your MMDU copy"),
):
    register_task(
        replace(
            MMMT_IF,
            name=name,
            env_id="mmturn/DialogueDataset-v0",
            description=what,
            env_kwargs={"format": fmt},
            required_args=("path",),
            in_default_run=False,
            judge=MMDU_JUDGE if fmt == "mmdu" else DIALOGUE_JUDGE,
        )
    )
