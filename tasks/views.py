"""How a family shows its episodes in the report (and the viewer): the core draws thumbnails and
transcripts and knows no family's keys; a task's ``Renderer`` reads its own turn records and returns
what to draw. The base renderer draws nothing family-specific."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PIL import Image, ImageDraw

Box = tuple[str, tuple[float, float, float, float], tuple[int, int, int]]  # (label, (x1, y1, x2, y2) in pixels, RGB)
OpenImage = Callable[[str], Image.Image | None]  # an image of the run folder by content hash (RGB), or None
GREEN, RED = (20, 150, 60), (200, 30, 30)


@dataclass(frozen=True)
class TurnView:
    """What to show of one turn beside its transcript."""

    expected: str = ""  # what the turn expected, in words (a reference answer, a goal, a gold action)
    point: tuple[float, float] | None = None  # a predicted click, drawn on the observation's images
    label: str | None = None  # another predicted action, written on the observation's images
    boxes: tuple[Box, ...] = ()  # outlined on the observation's images (e.g. the target element)
    reply_boxes: tuple[Box, ...] = ()  # outlined on the reply's images (e.g. detections on an edit)


class Renderer:
    """A family's views of its own records: ``turn`` for each turn, ``episode`` for overview pictures."""

    def turn(self, record: dict[str, Any]) -> TurnView:
        return TurnView()

    def episode(self, records: list[dict[str, Any]], open_image: OpenImage) -> list[Image.Image]:
        """Pictures of a whole episode (a route map, a strip of edits), in order; none by default."""
        return []


def observation_images(record: dict[str, Any]) -> list[str]:
    """The content hashes of a turn record's observation images."""
    return [p["image"] for p in record.get("observation", []) if "image" in p]


def strip(tiles: list[Image.Image], gap: int = 4) -> Image.Image:
    """Tiles side by side, top-aligned, on white."""
    out = Image.new(
        "RGB", (sum(t.width for t in tiles) + gap * (len(tiles) - 1), max(t.height for t in tiles)), (255, 255, 255)
    )
    x = 0
    for tile in tiles:
        out.paste(tile, (x, 0))
        x += tile.width + gap
    return out


def annotate(
    img: Image.Image, point: tuple[float, float] | None, label: str | None, boxes: tuple[Box, ...], side: int
) -> Image.Image:
    """``img`` shrunk to at most ``side`` px with ``point`` (in the image's pixels) as a red ring, else
    ``label`` written along its bottom, and ``boxes`` outlined and named."""
    scale = min(1.0, side / max(img.size))
    img.thumbnail((side, side))
    draw = ImageDraw.Draw(img)
    if point:
        x, y, r = point[0] * scale, point[1] * scale, 7
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(230, 20, 20), width=3)
    elif label:
        draw.rectangle([0, img.height - 22, img.width, img.height], fill=(230, 20, 20))
        draw.text((4, img.height - 18), label[:48], fill=(255, 255, 255))
    for name, box, colour in boxes:
        x1, y1, x2, y2 = (v * scale for v in box)
        draw.rectangle([x1, y1, max(x1, x2), max(y1, y2)], outline=colour, width=2)
        draw.text((x1 + 2, max(0, y1 - 11)), str(name)[:24], fill=colour)
    return img
