"""Writes a reply that states an answer and follows a set of active instructions (the oracle's and
the forgetful baseline's writer). It builds English sentences under the collected constraints,
lays them out (paragraphs, bullets, sections, title, postscript, quotes, JSON), then keeps the first
candidate that ``verify`` accepts for every instruction: the oracle never claims what code rejects.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from mmturn.vision.instructions import verify
from mmturn.vision.text_stats import count_words

OPENERS = {
    "a": "Admittedly",
    "b": "Basically",
    "c": "Clearly",
    "d": "Definitely",
    "e": "Evidently",
    "f": "Frankly",
    "g": "Generally",
    "h": "Honestly",
    "i": "Indeed",
    "l": "Looking",
    "m": "Mostly",
    "n": "Notably",
    "o": "Obviously",
    "p": "Plainly",
    "r": "Really",
    "s": "Surely",
    "t": "Truly",
    "w": "Well",
}
BODIES = (
    "this follows from looking closely at the picture",
    "the picture shows it in plain view",
    "every detail was checked with care",
    "the reasoning here is simple and direct",
    "careful reading of the image supports this",
)
PAD = ("and that is what the image shows", "when it is read with care", "really", "so the reading stays consistent")
Instr = tuple[str, dict[str, Any]]


@dataclass
class Plan:
    """The constraints that the active instructions put on a reply."""

    case: str | None = None
    letter: str | None = None
    mark: str = "."
    wps: tuple[int, int] = (1, 10_000)
    sentences: tuple[int, int] = (1, 10_000)
    words: tuple[int, int] = (0, 10_000)
    includes: list[str] = field(default_factory=list)
    layout: dict[str, Any] = field(default_factory=dict)


def _tighten(bounds: tuple[int, int], relation: str, n: int, strict_less: bool) -> tuple[int, int]:
    lo, hi = bounds
    if relation == "at least":
        return max(lo, n), hi
    return lo, min(hi, n - 1 if strict_less else n)


def plan_for(instructions: list[Instr]) -> Plan:
    p = Plan()
    for iid, kw in instructions:
        if iid == "change_case:english_lowercase":
            p.case = "lower"
        elif iid == "change_case:english_capital":
            p.case = "upper"
        elif iid == "sentence:start_letter":
            p.letter = kw["letter"].lower()
        elif iid == "sentence:end_mark":
            p.mark = kw["mark"]
        elif iid == "sentence:words_per_sentence":
            p.wps = _tighten(p.wps, kw["relation"], kw["num_words"], False)
        elif iid == "sentence:count":
            p.sentences = _tighten(p.sentences, kw["relation"], kw["num_sentences"], False)
        elif iid == "length_constraints:number_sentences":
            p.sentences = _tighten(p.sentences, kw["relation"], kw["num_sentences"], True)
        elif iid == "length_constraints:number_words":
            p.words = _tighten(p.words, kw["relation"], kw["num_words"], True)
        elif iid == "keywords:existence":
            p.includes += list(kw["keywords"])
        elif iid == "keywords:frequency":
            p.includes += [kw["keyword"]] * kw["frequency"]
        elif iid == "keywords:include_phrase":
            p.includes.append(kw["phrase"])
        elif iid == "keywords:letter_frequency":
            p.includes += [kw["letter"] * 1] * kw["let_frequency"]
        elif iid == "detectable_content:number_parity":
            n = kw["greater_than"] + 1
            p.includes.append(str(n if (n % 2 == 1) == (kw["parity"] == "odd") else n + 1))
        elif iid == "detectable_content:number_placeholders":
            p.includes += ["[note]"] * kw["num_placeholders"]
        elif iid == "detectable_format:number_highlighted_sections":
            p.includes += ["*key*"] * kw["num_highlights"]
        elif iid == "change_case:capital_word_frequency":
            p.includes += ["NOTE"] * kw["capital_frequency"]
        else:
            p.layout[iid] = kw
    return p


def _opener(plan: Plan, k: int) -> str:
    if plan.letter:
        return OPENERS[plan.letter]
    return ("So", "Also", "Moreover", "Finally")[min(k, 3)] if k else ""


def _sentence(plan: Plan, k: int, core: str, pad: int) -> str:
    words = " ".join(w for w in (_opener(plan, k), core) if w)
    words = words[0].upper() + words[1:]
    lo, _ = plan.wps
    for phrase in itertools.islice(itertools.cycle(PAD), pad):
        words += " " + phrase
    while count_words(words) < lo:
        words += " really"
    return words + plan.mark


def _case(text: str, case: str | None) -> str:
    return text.lower() if case == "lower" else text.upper() if case == "upper" else text


def _layout(plan: Plan, sentences: list[str], answer: str) -> str:
    lay = plan.layout
    if "detectable_format:json_format" in lay:
        return json.dumps({"answer": answer, "explanation": " ".join(sentences[1:]) or sentences[0]})
    if "detectable_format:number_bullet_lists" in lay:
        n = lay["detectable_format:number_bullet_lists"]["num_bullets"]
        head, tail = sentences[: len(sentences) - n], sentences[len(sentences) - n :]
        sentences = head + ["\n* " + s for s in tail]
    if "length_constraints:number_paragraphs" in lay:
        n = lay["length_constraints:number_paragraphs"]["num_paragraphs"]
        text = "\n***\n".join(" ".join(chunk) for chunk in _chunks(sentences, n))
    elif "length_constraints:nth_paragraph_first_word" in lay:
        kw = lay["length_constraints:nth_paragraph_first_word"]
        chunks = [" ".join(c) for c in _chunks(sentences, kw["num_paragraphs"])]
        text = "\n\n".join(chunks)
    elif "detectable_format:multiple_sections" in lay:
        kw = lay["detectable_format:multiple_sections"]
        text = "\n".join(
            f"{kw['section_spliter']} {i + 1}\n" + " ".join(c)
            for i, c in enumerate(_chunks(sentences, kw["num_sections"]))
        )
    else:
        text = " ".join(sentences)
    text = text.replace(" \n", "\n")
    if "detectable_format:title" in lay:
        text = f"<<{_case((_opener(plan, 0) or 'Short') + ' Reply', plan.case)}>>\n" + text
    if "startend:start_checker" in lay:
        text = lay["startend:start_checker"]["start_phrase"] + " " + text
    if "detectable_content:postscript" in lay:
        marker = lay["detectable_content:postscript"]["postscript_marker"]
        text += f"\n{marker} " + _case(_sentence(plan, 3, "thank you for asking", 0), plan.case)
    if "startend:end_checker" in lay:
        text += " " + lay["startend:end_checker"]["end_phrase"]
    if "startend:quotation" in lay:
        text = f'"{text}"'
    return text


def _chunks(items: list[str], n: int) -> list[list[str]]:
    if n > len(items):
        return []
    size = -(-len(items) // n)
    out = [items[i * size : (i + 1) * size] for i in range(n)]
    return out if all(out) else [items[i::n] for i in range(n)]


def _candidates(plan: Plan, answer: str):
    lo, hi = plan.sentences
    need = max(
        lo, 1, *(kw.get(k, 1) for kw in plan.layout.values() for k in ("num_bullets", "num_paragraphs", "num_sections"))
    )
    comma = ""
    for n in range(need, min(hi, need + 6) + 1):
        for pad in range(0, 8):
            includes = list(plan.includes)
            sentences = [_sentence(plan, 0, f"the answer is {answer}" + comma, pad if n == 1 else 0)]
            per = -(-len(includes) // max(n - 1, 1)) if n > 1 else len(includes)
            for k in range(1, n):
                extra = " ".join(includes[(k - 1) * per : k * per])
                body = BODIES[(k - 1) % len(BODIES)] + (" noting " + extra if extra else "")
                sentences.append(_sentence(plan, k, body, pad))
            if n == 1 and includes:
                sentences[0] = sentences[0][:-1] + " noting " + " ".join(includes) + plan.mark
            text = _layout(plan, [_case(s, plan.case) for s in sentences], _case(answer, plan.case))
            yield text


def realize(answer: str, instructions: list[Instr], budget: int = 60) -> str | None:
    """A reply that states ``answer`` and passes ``verify`` (strict) for every instruction, or None."""
    plan = plan_for(instructions)
    for text in itertools.islice(_candidates(plan, answer), budget):
        if all(verify(iid, kw, text) for iid, kw in instructions):
            return text
    return None


def plain_reply(answer: str) -> str:
    """How a model that ignores every instruction answers: one natural sentence."""
    return f"Looking at the image, the answer is {answer}."
