"""Detectors for visual scoring, cached per image content hash: ``shapes`` (exact OpenCV detection of
mmturn's procedural shape scenes: colour segmentation, contours, polygon classification) and ``ocr``
(the PP-OCR text detector and recogniser shipped by ``rapidocr-onnxruntime``)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from mmturn.tasks.types import Part
from mmturn.vision.dialogue.scenes import COLOURS


@dataclass(frozen=True)
class Detection:
    label: str  # "red triangle", or the text read
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 pixels
    score: float = 1.0


def _shape_name(contour: np.ndarray) -> str:
    perimeter = cv2.arcLength(contour, True)
    corners = len(cv2.approxPolyDP(contour, 0.03 * perimeter, True))
    area = cv2.contourArea(contour)
    circularity = 4 * np.pi * area / (perimeter * perimeter) if perimeter else 0.0
    if corners == 3:
        return "triangle"
    if corners == 4:
        return "square"
    if circularity > 0.86 and corners > 6:
        return "circle"
    if corners in (5, 6) or (corners > 6 and circularity > 0.75):
        return "hexagon"
    return "star"


def detect_shapes(image: np.ndarray, min_area: int = 60) -> list[Detection]:
    """Every shape in a procedural shapes scene, labelled "<colour> <shape>" (exact on mmturn's scenes)."""
    found = []
    pixels = image.astype(np.int16)
    for colour, rgb in COLOURS.items():
        mask = (np.abs(pixels - np.array(rgb, np.int16)).max(axis=2) <= 30).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            if cv2.contourArea(c) >= min_area:
                x, y, w, h = cv2.boundingRect(c)
                found.append(Detection(f"{colour} {_shape_name(c)}", (float(x), float(y), float(x + w), float(y + h))))
    return sorted(found, key=lambda d: (d.box[1], d.box[0]))


@functools.lru_cache(maxsize=1)
def _ocr_engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def detect_text(image: np.ndarray) -> list[Detection]:
    """Text lines read by PP-OCR, each with its box and recognition confidence."""
    lines, _ = _ocr_engine()(image)
    out = []
    for box, text, confidence in lines or []:
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        out.append(Detection(text, (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))), float(confidence)))
    return out


DETECTORS: dict[str, Callable[[np.ndarray], list[Detection]]] = {"shapes": detect_shapes, "ocr": detect_text}


class DetectionCache:
    """Detections of each distinct image (by content hash), per detector."""

    def __init__(self, size: int = 4096) -> None:
        self._cache: dict[tuple[str, str], list[Detection]] = {}
        self.size = size

    def __call__(self, detector: str, image: Part) -> list[Detection]:
        key = (detector, image.digest)
        if key not in self._cache:
            if len(self._cache) >= self.size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = DETECTORS[detector](image.image)
        return self._cache[key]
