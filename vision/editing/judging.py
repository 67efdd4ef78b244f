"""What a judge model rates in the image-editing tasks: each turn's output image against its instruction
and the image before the edit (instruction following and quality); where the turn has claims, the code's
verdict (every claim holds: ``follow`` = 1) is kept for the judge-agreement table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmturn.tasks.judge import JudgeItem, JudgeSpec


def edit_item(record: dict[str, Any], images: tuple[str, ...]) -> JudgeItem | None:
    outputs = [o["image"] for o in record.get("reply_images", []) if "image" in o]
    if not outputs or not images:
        return None  # no image came back: the code has failed the turn already
    follow = (record.get("scores") or {}).get("follow")
    return JudgeItem(
        question=str((record.get("target") or {}).get("instruction", "")),
        answer=str(record.get("reply", "")),
        images=(images[-1], outputs[-1]),
        verdict=None if follow is None else follow >= 1.0,
    )


EDIT_JUDGE = JudgeSpec(Path(__file__).parent / "judge_edit.j2", edit_item, pairwise=False)
