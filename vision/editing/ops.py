"""Edit operations on procedural scenes: add, remove, recolour, move, replace, change count, change
background and add text. Each draws its arguments from the current scene, so that it is feasible,
and returns the edited scene, the instruction, the claims the edited image must satisfy and the
labels it touches (their regions are excluded from consistency)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mmturn.vision.claims import BACKGROUNDS, Claim
from mmturn.vision.drawing import COLOURS, SHAPES
from mmturn.vision.editing.scene import EDIT_WORDS, QUADRANTS, EditScene, Shape, Words, slot_quadrant

TEXT = "<text>"  # touched "label" of a text edit: OCR boxes are excluded from consistency
BACKGROUND = "<background>"  # touched "label" of a background edit: only objects are compared
SHAPE_COLOURS = tuple(c for c in COLOURS if c != "black")  # black strokes read as text to OCR


@dataclass(frozen=True)
class Edit:
    op: str
    instruction: str
    claims: tuple[Claim, ...]
    touched: tuple[str, ...]
    after: EditScene


def _pick(rng: np.random.Generator, items):
    items = list(items)
    return items[int(rng.integers(len(items)))] if items else None


def _a(label: str) -> str:
    return ("an " if label[0] in "aeiou" else "a ") + label


def _unique(scene: EditScene) -> list[Shape]:
    return [s for s in scene.shapes if scene.count(s.label) == 1]


def _absent_label(scene: EditScene, rng: np.random.Generator, shape: str | None = None, not_shape: str | None = None):
    options = [
        (c, s)
        for c in SHAPE_COLOURS
        for s in SHAPES
        if scene.count(f"{c} {s}") == 0 and (shape is None or s == shape) and s != not_shape
    ]
    return _pick(rng, options)


def _size(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.24, 0.42))


def add(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    quadrant = _pick(rng, [q for q in QUADRANTS if scene.free_slots(q)])
    new = _absent_label(scene, rng)
    if quadrant is None or new is None:
        return None
    shape = Shape(new[1], new[0], _pick(rng, scene.free_slots(quadrant)), _size(rng))
    return Edit(
        "add",
        f"Add {_a(shape.label)} in the {quadrant}.",
        (Claim("count", shape.label, 1), Claim("region", shape.label, quadrant)),
        (shape.label,),
        scene.with_(shapes=scene.shapes + (shape,)),
    )


def remove(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    target = _pick(rng, _unique(scene))
    if target is None or len(scene.shapes) < 2:
        return None
    return Edit(
        "remove",
        f"Remove the {target.label}.",
        (Claim("absent", target.label),),
        (target.label,),
        scene.with_(shapes=tuple(s for s in scene.shapes if s is not target)),
    )


def recolour(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    target = _pick(rng, _unique(scene))
    new = target and _absent_label(scene, rng, shape=target.shape)
    if not new:
        return None
    shape = Shape(target.shape, new[0], target.slot, target.size)
    claims = (Claim("absent", target.label), Claim("at", shape.label, {"box_of": target.label}))
    return Edit(
        "recolour",
        f"Make the {target.label} {new[0]}.",
        claims,
        (target.label, shape.label),
        scene.with_(shapes=tuple(shape if s is target else s for s in scene.shapes)),
    )


def move(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    target = _pick(rng, _unique(scene))
    quadrant = target and _pick(rng, [q for q in QUADRANTS if q != slot_quadrant(target.slot) and scene.free_slots(q)])
    if not quadrant:
        return None
    shape = Shape(target.shape, target.colour, _pick(rng, scene.free_slots(quadrant)), target.size)
    return Edit(
        "move",
        f"Move the {target.label} to the {quadrant}.",
        (Claim("count", target.label, 1), Claim("region", target.label, quadrant)),
        (target.label,),
        scene.with_(shapes=tuple(shape if s is target else s for s in scene.shapes)),
    )


def replace_shape(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    target = _pick(rng, _unique(scene))
    new = target and _absent_label(scene, rng, not_shape=target.shape)
    if not new:
        return None
    shape = Shape(new[1], new[0], target.slot, target.size)
    claims = (Claim("absent", target.label), Claim("at", shape.label, {"box_of": target.label}))
    return Edit(
        "replace",
        f"Replace the {target.label} with {_a(shape.label)}.",
        claims,
        (target.label, shape.label),
        scene.with_(shapes=tuple(shape if s is target else s for s in scene.shapes)),
    )


def change_count(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    target = _pick(rng, scene.shapes)
    extra = int(rng.integers(1, 3))
    free = scene.free_slots()
    if target is None or len(free) < extra:
        return None
    n = scene.count(target.label) + extra
    added = tuple(
        Shape(target.shape, target.colour, free[int(k)], _size(rng))
        for k in rng.choice(len(free), size=extra, replace=False)
    )
    return Edit(
        "count",
        f"Change the number of {target.label}s to {n}.",
        (Claim("count", target.label, n),),
        (target.label,),
        scene.with_(shapes=scene.shapes + added),
    )


def background(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    new = _pick(rng, [b for b in BACKGROUNDS if b != scene.background])
    return Edit(
        "background",
        f"Change the background to {new}.",
        (Claim("background", new),),
        (BACKGROUND,),
        scene.with_(background=new),
    )


def add_text(scene: EditScene, rng: np.random.Generator) -> Edit | None:
    quadrant = _pick(rng, [q for q in QUADRANTS if scene.free_slots(q)])
    word = _pick(rng, [w for w in EDIT_WORDS if w not in {x.text for x in scene.words}])
    if quadrant is None:
        return None
    words = Words(word, _pick(rng, scene.free_slots(quadrant)))
    return Edit(
        "text",
        f'Write the word "{word}" in the {quadrant}.',
        (Claim("text", word, quadrant),),
        (TEXT,),
        scene.with_(words=scene.words + (words,)),
    )


OPS: dict[str, Callable[[EditScene, np.random.Generator], Edit | None]] = {
    "add": add,
    "remove": remove,
    "recolour": recolour,
    "move": move,
    "replace": replace_shape,
    "count": change_count,
    "background": background,
    "text": add_text,
}


def start_scene(rng: np.random.Generator) -> EditScene:
    """A 384-768 px scene with 3-6 distinct labelled shapes in random slots."""
    side = int(rng.integers(12, 25)) * 32
    scene = EditScene(side, _pick(rng, BACKGROUNDS), int(rng.integers(2**31)), int(rng.integers(0, 9)))
    for _ in range(int(rng.integers(3, 7))):
        colour, shape = _absent_label(scene, rng)
        scene = scene.with_(shapes=scene.shapes + (Shape(shape, colour, _pick(rng, scene.free_slots()), _size(rng)),))
    return scene


def edit_sequence(
    scene: EditScene, rng: np.random.Generator, turns: int, ops: tuple[str, ...] = tuple(OPS)
) -> list[Edit]:
    """``turns`` feasible edits, each applied to the previous one's result; op kinds drawn uniformly."""
    edits: list[Edit] = []
    while len(edits) < turns:
        edit = OPS[_pick(rng, ops)](scene, rng)
        if edit is not None:
            edits.append(edit)
            scene = edit.after
    return edits
