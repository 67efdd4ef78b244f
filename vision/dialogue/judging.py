"""What a judge model rates in the image-dialogue tasks: in ``mmmt-if`` and ``dialogue-jsonl`` the turns no
exact answer decides (descriptions, open comparisons; every turn with ``turns=all``), with the dialogue's
images so far and the exact or reference answer; in ``mmdu`` every turn against MMDU's reference answer on
MMDU's six dimensions and an overall score. On description turns the code's verdict (no object named that
is absent: CHAIR_i = 0) is kept for the judge-agreement table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmturn.tasks.judge import TEMPLATES, JudgeItem, JudgeSpec
from mmturn.vision.dialogue.answers import Answer


def dialogue_item(record: dict[str, Any], images: tuple[str, ...]) -> JudgeItem:
    target = record.get("target") or {}
    answer = target.get("answer")
    reference = target.get("reference") or (Answer.from_json(answer).text if answer is not None else None)
    chair = (record.get("scores") or {}).get("chair_i")
    return JudgeItem(
        question=str(target.get("question", "")),
        answer=str(record.get("reply", "")),
        reference=reference,
        images=images,
        verdict=None if chair is None else chair == 0,
        decided=answer is not None and not target.get("describe"),
    )


def mmdu_item(record: dict[str, Any], images: tuple[str, ...]) -> JudgeItem:
    return JudgeItem(**{**vars(dialogue_item(record, images)), "decided": False})


DIALOGUE_JUDGE = JudgeSpec(TEMPLATES / "judge_single.j2", dialogue_item)
MMDU_JUDGE = JudgeSpec(Path(__file__).parent / "judge_mmdu.j2", mmdu_item)
