"""Claims about an image checked against detections: presence, absence, count, colour, region,
left-of, same place as a box, text read by OCR, and background colour. Used by the ``detector``
scorer, by image editing (what an edit must make true) and by users' own edit checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from mmturn.vision.detectors import Detection
from mmturn.vision.drawing import COLOURS
from mmturn.vision.geometry import iou, point_in_box

REGIONS = {
    "top left": (0.0, 0.0, 0.5, 0.5),
    "top right": (0.5, 0.0, 1.0, 0.5),
    "bottom left": (0.0, 0.5, 0.5, 1.0),
    "bottom right": (0.5, 0.5, 1.0, 1.0),
    "left half": (0.0, 0.0, 0.5, 1.0),
    "right half": (0.5, 0.0, 1.0, 1.0),
    "top half": (0.0, 0.0, 1.0, 0.5),
    "bottom half": (0.0, 0.5, 1.0, 1.0),
}
BACKGROUNDS = {
    "white": (250, 250, 250),
    "cream": (245, 235, 200),
    "light blue": (200, 225, 250),
    "light green": (205, 240, 205),
    "light pink": (250, 215, 225),
    "light gray": (215, 215, 215),
}
KINDS = ("present", "absent", "count", "colour", "region", "left_of", "at", "text", "background")


@dataclass(frozen=True)
class Claim:
    """``kind`` of statement about ``label`` (a detector label such as "red circle" or "cat"; the text
    for ``text``; the colour name for ``background``). ``value``: the count, colour, region name,
    other label (``left_of``) or box (``at``, IoU >= 0.5)."""

    kind: str
    label: str
    value: Any = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown claim kind {self.kind!r}; known: {', '.join(KINDS)}")
        if self.kind == "region" and self.value not in REGIONS:
            raise ValueError(f"unknown region {self.value!r}; known: {', '.join(REGIONS)}")
        if self.kind == "count" and (not isinstance(self.value, int) or isinstance(self.value, bool) or self.value < 0):
            raise ValueError(f"a count claim's value must be a non-negative integer, got {self.value!r}")

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "Claim":
        return Claim(str(d["kind"]), str(d.get("label", "")), d.get("value"))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "value": self.value}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _centre(box: Sequence[float]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def in_region(box: Sequence[float], region: str, width: int, height: int) -> bool:
    """Whether a box's centre lies in a named region (fractions of the image, edges inside)."""
    x1, y1, x2, y2 = REGIONS[region]
    return point_in_box(*_centre(box), (x1 * width, y1 * height, x2 * width, y2 * height))


def nearest_colour(rgb: Sequence[float], palette: dict[str, tuple[int, int, int]] = COLOURS) -> str:
    """The palette name closest to an RGB value (Euclidean distance)."""
    names = list(palette)
    d = np.linalg.norm(np.array([palette[n] for n in names], float) - np.asarray(rgb, float), axis=1)
    return names[int(np.argmin(d))]


def background_colour(image: np.ndarray) -> str:
    """The named background: the median colour of the image's one-pixel border."""
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    return nearest_colour(np.median(border, axis=0), BACKGROUNDS)


def box_colour(image: np.ndarray, box: Sequence[float]) -> str:
    """The named colour of an object: the median of the box's pixels that differ from the background."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    patch = image[max(0, y1) : max(y1 + 1, y2), max(0, x1) : max(x1 + 1, x2)].reshape(-1, 3).astype(float)
    if patch.size == 0:
        return ""
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).astype(float)
    fg = patch[np.abs(patch - np.median(border, axis=0)).max(axis=1) > 40]
    return nearest_colour(np.median(fg if len(fg) else patch, axis=0))


def object_labels(claims: Sequence[Claim]) -> tuple[str, ...]:
    """The detector queries claims need: the labels of the claims about objects, each once, in order."""
    return tuple(dict.fromkeys(c.label for c in claims if c.kind not in ("text", "background")))


def needs_ocr(claims: Sequence[Claim]) -> bool:
    return any(c.kind == "text" for c in claims)


def check_all(
    claims: Sequence[Claim], objects: Sequence[Detection], texts: Sequence[Detection], image: np.ndarray
) -> list[bool]:
    """Each claim checked against the object detections, or against the OCR lines for ``text`` claims."""
    return [check(c, texts if c.kind == "text" else objects, image) for c in claims]


def check(claim: Claim, detections: Sequence[Detection], image: np.ndarray) -> bool:
    """Whether ``claim`` holds for ``image`` given its detections (OCR detections for ``text``)."""
    h, w = image.shape[:2]
    if claim.kind == "background":
        return background_colour(image) == claim.label
    if claim.kind == "text":
        found = [d for d in detections if _norm(claim.label) in _norm(d.label)]
        return bool(found) and (claim.value is None or any(in_region(d.box, claim.value, w, h) for d in found))
    mine = [d for d in detections if _norm(d.label) == _norm(claim.label)]
    if claim.kind == "present":
        return bool(mine)
    if claim.kind == "absent":
        return not mine
    if claim.kind == "count":
        return len(mine) == int(claim.value)
    if claim.kind == "colour":
        return any(box_colour(image, d.box) == claim.value for d in mine)
    if claim.kind == "region":
        return any(in_region(d.box, claim.value, w, h) for d in mine)
    if claim.kind == "at":
        return any(iou(d.box, claim.value) >= 0.5 for d in mine)
    others = [d for d in detections if _norm(d.label) == _norm(str(claim.value))]  # left_of
    return any(_centre(a.box)[0] < _centre(b.box)[0] for a in mine for b in others)


_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_REGION_NEAR = 48  # characters after a mention in which a region name counts as that object's position


def claims_in_text(text: str, labels: Sequence[str]) -> list[Claim]:
    """The object claims a free-text description makes: each mentioned label (singular or plural) is
    claimed present; "<number> <label>s" claims that count; a region named right after the mention
    (e.g. "a red circle in the top left") claims that position."""
    low = " ".join(text.lower().split())
    claims: list[Claim] = []
    for label in labels:
        pattern = rf"(?:\b(\d+|{'|'.join(_NUMBERS)})\s+)?\b{re.escape(label.lower())}(?:e?s)?\b"
        for m in re.finditer(pattern, low):
            if Claim("present", label) not in claims:
                claims.append(Claim("present", label))
            if m.group(1):
                n = int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]
                claims.append(Claim("count", label, n))
            after = low[m.end() : m.end() + _REGION_NEAR].split(".")[0]
            region = next((r for r in REGIONS if r in after), None)
            if region:
                claims.append(Claim("region", label, region))
    return list(dict.fromkeys(claims))
