"""Per-turn scores of an image-dialogue reply: answer accuracy and instruction following (PIF,
IFEval strict/loose). A pure function of (reply, target), so stored samples can be re-scored."""
from __future__ import annotations

from typing import Any

from mmturn.tasks.types import TurnResult
from mmturn.vision.dialogue.answers import Answer, is_correct
from mmturn.vision.instructions import verify


def score_reply(reply: str, target: dict[str, Any]) -> TurnResult:
    """Scores: ``accuracy`` (when the turn has an answer), ``pif`` = followed / active instructions
    (MMMT-IF), ``prompt_strict`` / ``prompt_loose`` (IFEval prompt level), instruction counts for
    IFEval's instruction-level accuracy, and ``reward`` = mean of accuracy and PIF where defined."""
    scores: dict[str, float] = {}
    details: dict[str, Any] = {}
    if target.get("answer") is not None:
        scores["accuracy"] = float(is_correct(Answer.from_json(target["answer"]), reply))
    instructions = target.get("instructions") or []
    if instructions:
        strict = [verify(iid, kw, reply) for iid, kw in instructions]
        loose = [verify(iid, kw, reply, loose=True) for iid, kw in instructions]
        n = len(instructions)
        scores.update(
            pif=sum(strict) / n,
            prompt_strict=float(all(strict)),
            prompt_loose=float(all(loose)),
            n_instructions=float(n),
            n_followed_strict=float(sum(strict)),
            n_followed_loose=float(sum(loose)),
        )
        details["strict"] = {iid: ok for (iid, _), ok in zip(instructions, strict)}
        details["loose"] = {iid: ok for (iid, _), ok in zip(instructions, loose)}
    parts = [scores[k] for k in ("accuracy", "pif") if k in scores]
    scores["reward"] = sum(parts) / len(parts) if parts else 0.0
    error = None if reply.strip() else "empty reply"
    return TurnResult(scores=scores, target=target, error=error, details=details)
