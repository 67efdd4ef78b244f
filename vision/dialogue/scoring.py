"""Scorers of an image-dialogue reply, each a pure function of (reply, target) registered by name,
so stored samples can be re-scored: ``answer`` (accuracy) and ``instructions`` (MMMT-IF's PIF and
IFEval's strict / loose prompt- and instruction-level counts)."""

from __future__ import annotations

from typing import Any, Sequence

from mmturn.tasks.registry import SCORERS, register_scorer
from mmturn.tasks.types import Score, TurnResult
from mmturn.vision.dialogue.answers import Answer, chair_i, is_correct
from mmturn.vision.instructions import verify

DIALOGUE_SCORERS = ("answer", "instructions")


@register_scorer("answer")
def answer_scorer(reply: str, target: dict[str, Any]) -> Score:
    """accuracy: 1 when the reply states the target answer (first mention; see answers.py), for turns that
    have one; chair_i (CHAIR, Rohrbach et al.) on open-ended description turns."""
    if target.get("answer") is None:
        return Score()
    answer = Answer.from_json(target["answer"])
    values = {"accuracy": float(is_correct(answer, reply))}
    if target.get("describe") and (hallucination := chair_i(answer, reply)) is not None:
        values["chair_i"] = hallucination  # an open-ended description: objects claimed but absent
    return Score(values)


@register_scorer("instructions")
def instruction_scorer(reply: str, target: dict[str, Any]) -> Score:
    """pif = followed / active instructions (MMMT-IF); prompt_strict / prompt_loose = all followed (IFEval);
    n_instructions and n_followed_* for IFEval's instruction-level (micro) accuracy."""
    instructions = target.get("instructions") or []
    if not instructions:
        return Score()
    strict = [verify(iid, kw, reply) for iid, kw in instructions]
    loose = [verify(iid, kw, reply, loose=True) for iid, kw in instructions]
    n = len(instructions)
    values = {
        "pif": sum(strict) / n,
        "prompt_strict": float(all(strict)),
        "prompt_loose": float(all(loose)),
        "n_instructions": float(n),
        "n_followed_strict": float(sum(strict)),
        "n_followed_loose": float(sum(loose)),
    }
    details = {
        "strict": {iid: ok for (iid, _), ok in zip(instructions, strict)},
        "loose": {iid: ok for (iid, _), ok in zip(instructions, loose)},
    }
    return Score(values, details)


def score_reply(reply: str, target: dict[str, Any], scorers: Sequence[str] = DIALOGUE_SCORERS) -> TurnResult:
    """Every scorer's values, plus ``reward`` = the mean of accuracy and PIF where the turn has them."""
    values: dict[str, float] = {}
    details: dict[str, Any] = {}
    for name in scorers:
        score = SCORERS.get(name)(reply, target)
        values.update(score.values)
        details.update(score.details)
    parts = [values[k] for k in ("accuracy", "pif") if k in values]
    values["reward"] = sum(parts) / len(parts) if parts else 0.0
    return TurnResult(scores=values, target=target, error=None if reply.strip() else "empty reply", details=details)
