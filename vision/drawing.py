"""Drawing shared by the procedural families (image dialogue, image editing) and the detectors that
check them: the named colours and shapes, filled shapes with their exact boxes, and seeded sensor noise."""

from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mmturn.assets import FONTS

COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (235, 200, 30),
    "purple": (140, 60, 180),
    "orange": (245, 140, 30),
    "black": (20, 20, 20),
    "pink": (240, 120, 180),
    "brown": (130, 80, 40),
    "gray": (128, 128, 128),
}
SHAPES = ("circle", "square", "triangle", "hexagon", "star")


@functools.lru_cache(maxsize=64)
def load_font(index: int, size: int) -> ImageFont.FreeTypeFont:
    """The ``index``-th shipped font (wrapping around) at ``size`` px."""
    return ImageFont.truetype(str(FONTS[index % len(FONTS)]), size)


def add_noise(img: Image.Image, rng: np.random.Generator, amplitude: int, block: int) -> np.ndarray:
    """``img`` plus grey blotches of ``block`` px with values uniform in [-amplitude, amplitude]."""
    arr = np.asarray(img, dtype=np.int16)
    h, w = -(-arr.shape[0] // block), -(-arr.shape[1] // block)
    noise = rng.integers(-amplitude, amplitude + 1, size=(h, w, 1), dtype=np.int16)
    noise = np.repeat(np.repeat(noise, block, axis=0), block, axis=1)[: arr.shape[0], : arr.shape[1]]
    return np.clip(arr + noise, 0, 255).astype(np.uint8)


def _polygon(shape: str, cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    if shape == "square":
        return [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    if shape == "triangle":
        return [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
    if shape == "hexagon":
        return [(cx + r * math.cos(k * math.pi / 3), cy + r * math.sin(k * math.pi / 3)) for k in range(6)]
    return [
        (
            cx + (r if k % 2 == 0 else r * 0.45) * math.cos(-math.pi / 2 + k * math.pi / 5),
            cy + (r if k % 2 == 0 else r * 0.45) * math.sin(-math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]


def draw_shape(draw: ImageDraw.ImageDraw, shape: str, colour: str, cx: float, cy: float, r: float) -> list[float]:
    """Draw one filled shape of circumradius ``r`` centred at (cx, cy); return its box [x1, y1, x2, y2]."""
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=COLOURS[colour])
        return [round(v, 1) for v in (cx - r, cy - r, cx + r, cy + r)]
    points = _polygon(shape, cx, cy, r)
    draw.polygon(points, fill=COLOURS[colour])
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [round(v, 1) for v in (min(xs), min(ys), max(xs), max(ys))]
