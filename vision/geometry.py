"""The one box geometry: boxes are (x1, y1, x2, y2) in pixels unless a function says otherwise."""

from __future__ import annotations

from typing import Sequence

Box = Sequence[float]


def point_in_box(x: float, y: float, box: Box) -> bool:
    """ScreenSpot's rule: inside when x1 <= x <= x2 and y1 <= y <= y2 (edges count as inside)."""
    x1, y1, x2, y2 = box
    return x1 <= x <= x2 and y1 <= y <= y2


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x1, y1, x2, y2) boxes; 0 when either is empty."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def xywh_to_xyxy(box: Box) -> list[float]:
    x, y, w, h = box
    return [x, y, x + w, y + h]
