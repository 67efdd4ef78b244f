"""Editable procedural scenes with exact ground truth: shapes and words on a 4x4 grid of slots over
a named background. A scene is immutable; an edit makes a new one, and rendering is deterministic
(the noise pattern is seeded per episode), so pixels an edit does not touch stay identical."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from mmturn.vision.claims import BACKGROUNDS, REGIONS
from mmturn.vision.drawing import add_noise, draw_shape, load_font

GRID = 4
TEXT_RGB = (25, 25, 80)  # far from every shape colour, so the shapes detector never sees letters
EDIT_WORDS = (
    "APPLE",
    "RIVER",
    "PIANO",
    "TIGER",
    "LEMON",
    "ROBOT",
    "CLOUD",
    "MAPLE",
    "OCEAN",
    "SUGAR",
    "PLANT",
    "STONE",
)
QUADRANTS = ("top left", "top right", "bottom left", "bottom right")


@dataclass(frozen=True)
class Shape:
    shape: str
    colour: str
    slot: tuple[int, int]  # (column, row) on the grid
    size: float  # circumradius as a fraction of a cell

    @property
    def label(self) -> str:
        return f"{self.colour} {self.shape}"


@dataclass(frozen=True)
class Words:
    text: str
    slot: tuple[int, int]


@dataclass(frozen=True)
class EditScene:
    side: int
    background: str
    noise_seed: int
    noise: int
    shapes: tuple[Shape, ...] = ()
    words: tuple[Words, ...] = ()

    @property
    def cell(self) -> float:
        return self.side / GRID

    def free_slots(self, quadrant: str | None = None) -> list[tuple[int, int]]:
        used = {s.slot for s in self.shapes} | {w.slot for w in self.words}
        slots = [(i, j) for j in range(GRID) for i in range(GRID) if (i, j) not in used]
        return [s for s in slots if quadrant is None or slot_quadrant(s) == quadrant]

    def count(self, label: str) -> int:
        return sum(s.label == label for s in self.shapes)

    def box(self, shape: Shape) -> list[float]:
        return draw_shape(
            ImageDraw.Draw(Image.new("RGB", (1, 1))),
            shape.shape,
            shape.colour,
            *self._centre(shape.slot),
            shape.size * self.cell,
        )

    def _centre(self, slot: tuple[int, int]) -> tuple[float, float]:
        return (slot[0] + 0.5) * self.cell, (slot[1] + 0.5) * self.cell

    def render(self) -> np.ndarray:
        return _render(self)

    def with_(self, **changes: Any) -> "EditScene":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "EditScene":
        shapes = tuple(Shape(s["shape"], s["colour"], tuple(s["slot"]), float(s["size"])) for s in d["shapes"])
        words = tuple(Words(w["text"], tuple(w["slot"])) for w in d["words"])
        return EditScene(int(d["side"]), d["background"], int(d["noise_seed"]), int(d["noise"]), shapes, words)


def slot_quadrant(slot: tuple[int, int]) -> str:
    return ("top " if slot[1] < GRID // 2 else "bottom ") + ("left" if slot[0] < GRID // 2 else "right")


assert set(QUADRANTS) <= set(REGIONS)


@functools.lru_cache(maxsize=16)
@functools.lru_cache(maxsize=8)  # up to 1.7 MB a scene: the current episodes' latest scenes
def _render(scene: EditScene) -> np.ndarray:
    img = Image.new("RGB", (scene.side, scene.side), BACKGROUNDS[scene.background])
    draw = ImageDraw.Draw(img)
    for s in scene.shapes:
        draw_shape(draw, s.shape, s.colour, *scene._centre(s.slot), s.size * scene.cell)
    label_font = load_font(0, max(12, int(scene.cell / 5)))
    for w in scene.words:
        draw.text(scene._centre(w.slot), w.text, fill=TEXT_RGB, font=label_font, anchor="mm")
    image = add_noise(img, np.random.default_rng(scene.noise_seed), scene.noise, 2)
    image.setflags(write=False)
    return image
