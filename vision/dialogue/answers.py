"""Answers with exact ground truth, and their extraction from a free-form reply.

Extraction tolerates the answer-format instructions themselves: case, markdown, JSON (the
``answer`` field), quotes, spelled-out numbers, and instruction scaffolding (titles, section
headers) are handled. For numbers and closed choices the *first* mention counts, so a reply that
lists every option does not score.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from mmturn.vision.geometry import iou
from mmturn.vision.instructions import strip_json_fence

AnswerKind = Literal["exact", "number", "set", "yesno", "choice", "time", "box"]
BOX_IOU = 0.5  # a box answer is right at IoU >= 0.5 (the usual detection threshold) unless the answer sets another

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)} | {w: 10 * i for i, w in enumerate(_TENS) if w != "_"}
_SCAFFOLD = re.compile(
    r"<<[^\n]*>>|\b(?:section|paragraph|part)\s*\d+|^\s*p\.\s?p?\.?\s?s\.?", re.IGNORECASE | re.MULTILINE
)


@dataclass(frozen=True)
class Answer:
    """The exact answer to a question: ``value`` plus, for closed questions, the candidate ``choices``."""

    kind: AnswerKind
    value: Any  # str | float | list[str] | bool | "H:MM"
    choices: tuple[str, ...] = field(default_factory=tuple)
    tolerance: float = 0.0

    @property
    def text(self) -> str:
        """How a correct reply states the answer (what the oracle writes)."""
        if self.kind == "number":
            v = float(self.value)
            return str(int(v)) if v.is_integer() else f"{v:g}"
        if self.kind == "yesno":
            return "yes" if self.value else "no"
        if self.kind == "set":
            items = sorted(self.value)
            return items[0] if len(items) == 1 else " and ".join([" ".join(items[:-1]), items[-1]])
        if self.kind == "choice":
            return f"option {self.value}"
        if self.kind == "box":
            return "[" + ", ".join(str(int(round(v))) for v in self.value) + "]"
        return str(self.value)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "choices": list(self.choices), "tolerance": self.tolerance}

    @staticmethod
    def from_json(d: dict[str, Any]) -> "Answer":
        return Answer(d["kind"], d["value"], tuple(d.get("choices", ())), float(d.get("tolerance", 0.0)))


def _answer_region(reply: str) -> str:
    """The part of a reply that holds the answer: a JSON reply's ``answer`` field, else the text without scaffolding."""
    try:
        data = json.loads(strip_json_fence(reply))
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("answer", "Answer", "ANSWER"):
            if key in data:
                return str(data[key])
    text = _SCAFFOLD.sub(" ", reply)
    return text.replace("*", " ").replace("_", " ")


def numbers_in(text: str) -> list[float]:
    """Numbers in order of appearance: digits (with thousands commas, decimals, sign) and English number words."""
    found: list[tuple[int, float]] = []
    for m in re.finditer(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?", text):
        found.append((m.start(), float(m.group().replace(",", ""))))
    word = r"(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
    for m in re.finditer(rf"\b{word}(?:[\s-]+{word})?\b", text, flags=re.IGNORECASE):
        parts = re.split(r"[\s-]+", m.group().lower())
        if len(parts) == 2 and not (_NUMBER_WORDS[parts[0]] >= 20 and _NUMBER_WORDS[parts[1]] < 10):
            parts = parts[:1]  # "two three" is not one number
        found.append((m.start(), float(sum(_NUMBER_WORDS[p] for p in parts))))
    return [v for _, v in sorted(found)]


def _mentions(text: str, phrase: str) -> list[int]:
    pattern = r"(?<![^\W_])" + r"[\s_-]+".join(map(re.escape, phrase.lower().split())) + r"(?![^\W_])"
    return [m.start() for m in re.finditer(pattern, text.lower())]


def _first_choice(text: str, choices: tuple[str, ...]) -> str | None:
    positions = [(pos[0], -len(c), c) for c in choices if (pos := _mentions(text, c))]
    return min(positions)[2] if positions else None


def mentioned_choices(answer: Answer, reply: str) -> set[str]:
    """Which of a closed answer's candidates the reply mentions."""
    return _mentioned(_answer_region(reply), answer.choices)


def _mentioned(text: str, choices: tuple[str, ...]) -> set[str]:
    return {c for c in choices if _mentions(text, c)}


def chair_i(answer: Answer, reply: str) -> float | None:
    """CHAIR_i (Rohrbach et al. 2018) for an object-listing answer: mentioned objects that are not in the
    image / all mentioned objects; None when the reply mentions none."""
    mentioned = mentioned_choices(answer, reply)
    return len(mentioned - set(answer.value)) / len(mentioned) if mentioned else None


def is_correct(answer: Answer, reply: str) -> bool:
    """Whether the reply states the answer (see the module docstring for the extraction rules)."""
    text = _answer_region(reply)
    if answer.kind == "number":
        nums = numbers_in(text)
        return bool(nums) and abs(nums[0] - float(answer.value)) <= answer.tolerance + 1e-9
    if answer.kind == "box":
        nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)][:4]
        return len(nums) == 4 and iou(nums, answer.value) >= (answer.tolerance or BOX_IOU)
    if answer.kind == "time":
        m = re.search(r"\b(\d{1,2})\s*[:.h]\s*(\d{2})\b", text)
        return m is not None and f"{int(m.group(1))}:{m.group(2)}" == answer.value
    if answer.kind == "yesno":
        first = _first_choice(text, ("yes", "no"))
        return first == ("yes" if answer.value else "no")
    if answer.kind == "choice":
        m = re.search(r"\b(?:option|choice)\s*\(?([a-z])\)?(?![^\W_])|\(([a-z])\)", text, flags=re.IGNORECASE)
        if m:
            return (m.group(1) or m.group(2)).upper() == answer.value
        labelled = {c.split(") ", 1)[1]: c.split(")", 1)[0] for c in answer.choices if ") " in c}
        first = _first_choice(text, tuple(labelled))
        return first is not None and labelled[first] == answer.value
    if answer.kind == "set":
        return _mentioned(text, answer.choices) == set(answer.value)
    if answer.choices:  # exact, closed vocabulary: the first mentioned candidate
        return _first_choice(text, answer.choices) == answer.value
    return bool(_mentions(text, str(answer.value)))
