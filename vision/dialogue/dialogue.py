"""Synthetic MMMT-IF-style dialogues: questions about images introduced at different turns, with
global answer-format instructions that accumulate (each holds for every later answer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmturn.tasks.types import Episode, Hints, Part, Turn
from mmturn.vision.dialogue.answers import Answer
from mmturn.vision.dialogue.instruction_pool import POOL, conflicts
from mmturn.vision.dialogue.realize import realize
from mmturn.vision.dialogue.scenes import GENERATORS, QA, WORDS, Scene
from mmturn.vision.drawing import COLOURS, SHAPES
from mmturn.vision.instructions import describe

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
Instr = tuple[str, dict[str, Any]]


ANSWER_FIELD = 'Put the answer to each question in a field named "answer".'


def instruction_phrase(iid: str, kwargs: dict[str, Any]) -> str:
    """An instruction's wording; the JSON instruction also says where the answer goes."""
    return describe(iid, kwargs) + (" " + ANSWER_FIELD if iid == "detectable_format:json_format" else "")


def instruction_text(iid: str, kwargs: dict[str, Any]) -> str:
    return f"Instruction: in all your future responses, follow this: {instruction_phrase(iid, kwargs)}"


def reminder_text(active: list[Instr]) -> str:
    listed = " ".join(f"({i + 1}) {instruction_phrase(iid, kw)}" for i, (iid, kw) in enumerate(active))
    return f"\nReminder of all instructions so far: {listed}"


def candidates(answer: Answer, rng: np.random.Generator) -> list[str]:
    """Plausible answers of the right kind: what the random baseline chooses from."""
    if answer.kind == "yesno":
        return ["yes", "no"]
    if answer.kind == "choice":
        return [f"option {c.split(')')[0]}" for c in answer.choices]
    if answer.kind == "set":
        k = int(rng.integers(1, 4))
        return [" and ".join(sorted(rng.choice(answer.choices, size=k, replace=False).tolist())) for _ in range(4)]
    if answer.kind == "time":
        return [f"{int(rng.integers(1, 13))}:{int(rng.integers(0, 12)) * 5:02d}" for _ in range(4)]
    if answer.kind == "box":
        side = max(answer.value) * 1.2
        return [
            Answer("box", sorted(rng.uniform(0, side, 2).tolist()) + sorted(rng.uniform(0, side, 2).tolist())).text
            for _ in range(4)
        ]
    if answer.kind == "number":
        hi = max(10, int(float(answer.value) * 2))
        return [str(int(v)) for v in rng.integers(0, hi + 1, size=4)]
    return list(answer.choices) or list(WORDS)


def _comparison(rng: np.random.Generator, scenes: list[Scene], shown: list[int]) -> QA | None:
    """An MMDU-style question comparing two shown images through their numeric answers."""
    if len(shown) < 2:
        return None
    i, j = (int(v) for v in rng.choice(shown, size=2, replace=False))
    if scenes[i].kind == scenes[j].kind == "shapes" and rng.random() < 0.5:
        return _changed(scenes, i, j)
    qi = [q for q in scenes[i].qas if q.answer.kind == "number"]
    qj = [q for q in scenes[j].qas if q.answer.kind == "number"]
    if not qi or not qj:
        return None
    a, b = qi[int(rng.integers(len(qi)))], qj[int(rng.integers(len(qj)))]
    if a.answer.value == b.answer.value:
        return None
    larger = i if a.answer.value > b.answer.value else j
    question = (
        f"Compare two images. For Image {i + 1}: {a.question} For Image {j + 1}: {b.question} "
        f"Which image gives the larger number? Name the image."
    )
    return QA(question, Answer("exact", f"image {larger + 1}", (f"image {i + 1}", f"image {j + 1}")))


def _changed(scenes: list[Scene], i: int, j: int) -> QA | None:
    """Which objects changed between two shape images: the shapes (colour and kind) in only one of them."""
    a, b = ({f"{o['colour']} {o['shape']}" for o in scenes[k].facts["objects"]} for k in (i, j))
    if not a ^ b:
        return None
    question = (
        f"Compare Image {i + 1} and Image {j + 1}: which shapes changed between the images, that is, which shapes "
        "(colour and kind) appear in only one of them? Name them all."
    )
    return QA(question, Answer("set", sorted(a ^ b), tuple(f"{c} {s}" for c in COLOURS for s in SHAPES)))


def _ask(
    rng: np.random.Generator, scenes: list[Scene], shown: list[int], fresh: int | None, used: set[str]
) -> tuple[str, QA, int | None] | None:
    """(question, QA, index of the image it is about; None for a comparison of two)."""
    if fresh is None and rng.random() < 0.15 and (qa := _comparison(rng, scenes, shown)) and qa.question not in used:
        return qa.question, qa, None
    pending = {
        k: [q for q in scenes[k].qas if f"{k}:{q.question}" not in used]
        for k in ([fresh] if fresh is not None else shown)
    }
    pending = {k: v for k, v in pending.items() if v}
    if not pending:
        return None
    k = int(rng.choice(sorted(pending)))
    options = pending[k]
    qa = options[int(rng.integers(len(options)))]
    used.add(f"{k}:{qa.question}")
    prefix = (
        f"About Image {k + 1}: "
        if rng.random() < 0.5 or k >= len(ORDINALS)
        else f"Looking at the {ORDINALS[k]} image: "
    )
    return prefix + qa.question, qa, k


def build_dialogue(
    rng: np.random.Generator,
    num_turns: int = 20,
    num_images: tuple[int, int] = (2, 5),
    instruction_turns: int = 10,
    max_instructions: int = 6,
    reminder: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> Episode:
    kinds = kinds or tuple(GENERATORS)
    scenes = [
        GENERATORS[kinds[int(rng.integers(len(kinds)))]](rng)
        for _ in range(int(rng.integers(num_images[0], num_images[1] + 1)))
    ]
    while sum(len(s.qas) for s in scenes) < num_turns + 4 and len(scenes) < len(ORDINALS):
        scenes.append(GENERATORS[kinds[int(rng.integers(len(kinds)))]](rng))
    later = rng.choice(np.arange(1, max(len(scenes), min(num_turns, 12))), size=len(scenes) - 1, replace=False)
    intro = [0] + sorted(int(t) for t in later)
    active: list[Instr] = []
    used: set[str] = set()
    turns: list[Turn] = []
    for t in range(num_turns):
        picked = None
        for _ in range(8):  # a question whose answer the oracle can state under the active instructions
            shown = [k for k, when in enumerate(intro) if when <= t]
            fresh = intro.index(t) if t in intro else None
            asked = _ask(rng, scenes, shown, fresh, used)
            if asked is None and len(shown) < len(intro):  # every shown image is used up: show the next one now
                intro[len(shown)] = t
                continue
            if asked is None:
                break
            if (reply := realize(asked[1].answer.text, active)) is not None:
                picked = asked + (reply,)
                break
        if picked is None:
            break
        question, qa, about, oracle = picked
        new: Instr | None = None
        if (
            t < instruction_turns
            and len(active) < max_instructions
            and rng.random() < 0.7 * (1 - len(active) / max_instructions)
        ):
            new, oracle = _propose(rng, active, qa.answer.text) or (None, oracle)
        if new is not None:
            active = active + [new]
        parts: list[Part] = []
        if fresh is not None:
            parts += [Part.of_text(f"Image {fresh + 1}:"), Part.of_image(scenes[fresh].image)]
        text = (instruction_text(*new) + "\n" if new else "") + f"Question: {question}"
        if reminder and active:
            text += reminder_text(active)
        parts.append(Part.of_text(text))
        target = {
            "answer": qa.answer.to_json(),
            "instructions": [[iid, kw] for iid, kw in active],
            "question": question,
        }
        if qa.describe:
            target.update(
                describe=True, image=Part.of_image(scenes[about].image).digest
            )  # the described image, by content hash
        hints = Hints(
            oracle_reply=oracle,
            answer_text=qa.answer.text,
            candidates=tuple(candidates(qa.answer, rng)),
            newest_instruction=tuple(active[-1]) if active else None,
        )
        turns.append(Turn(tuple(parts), target, hints))
    meta = {"images": [{"kind": s.kind, "turn": when, "facts": s.facts} for s, when in zip(scenes, intro)]}
    return Episode(id="", turns=turns, meta=meta)


def _propose(rng: np.random.Generator, active: list[Instr], answer: str) -> tuple[Instr, str] | None:
    """A new instruction that conflicts with none active and that a reply can still satisfy."""
    ids = [i for i in POOL if not any(conflicts(i, a) for a, _ in active)]
    for iid in rng.permutation(ids)[:6]:
        new = (str(iid), POOL[str(iid)](rng))
        if (reply := realize(answer, active + [new])) is not None:
            return new, reply
    return None
