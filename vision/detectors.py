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
from mmturn.vision.drawing import COLOURS


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
    for colour, rgb in COLOURS.items():
        rgb = np.array(rgb)
        mask = (
            cv2.inRange(image, np.clip(rgb - 30, 0, 255), np.clip(rgb + 30, 0, 255)) // 255
        )  # max |pixel - rgb| <= 30
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


class OpenVocabDetector:
    """A transformers zero-shot object detector (OWL-ViT, OWLv2, Grounding DINO) from a local path:
    boxes for free-text queries, kept when their score reaches ``threshold``."""

    def __init__(self, path: str, threshold: float = 0.1, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor

        self.torch, self.threshold, self.device = torch, float(threshold), device
        self.processor = AutoProcessor.from_pretrained(path)
        self.model = AutoModelForZeroShotObjectDetection.from_pretrained(path).to(device).eval()
        self.grounding = "grounding" in self.model.config.model_type  # queries joined into one prompt
        self.square = self.model.config.model_type == "owlv2"  # OWLv2 pads to a square before resizing

    def __call__(self, image: np.ndarray, queries: tuple[str, ...]) -> list[Detection]:
        if not queries:
            return []
        h, w = image.shape[:2]
        text = ". ".join(queries) + "." if self.grounding else [list(queries)]
        inputs = self.processor(
            images=[np.array(image)], text=text, return_tensors="pt", padding=True, truncation=True
        ).to(self.device)
        with self.torch.no_grad():
            outputs = self.model(**inputs)
        size = [(max(h, w), max(h, w)) if self.square else (h, w)]
        if self.grounding:
            result = self.processor.post_process_grounded_object_detection(
                outputs, inputs["input_ids"], threshold=self.threshold, text_threshold=self.threshold, target_sizes=size
            )[0]
        else:
            result = self.processor.post_process_grounded_object_detection(
                outputs, threshold=self.threshold, target_sizes=size, text_labels=[list(queries)]
            )[0]
        out = []
        for box, score, label in zip(result["boxes"].tolist(), result["scores"].tolist(), result["text_labels"]):
            x1, y1, x2, y2 = (float(np.clip(v, 0, lim)) for v, lim in zip(box, (w, h, w, h)))
            out.append(Detection(str(label), (x1, y1, x2, y2), float(score)))
        return out


DETECTORS: dict[str, Callable[[np.ndarray], list[Detection]]] = {"shapes": detect_shapes, "ocr": detect_text}


class DetectionCache:
    """Detections of each distinct image (by content hash), per detector and queries. A detector is
    ``shapes``, ``ocr``, or the local path of a transformers zero-shot detector (loaded once)."""

    def __init__(self, size: int = 4096, threshold: float = 0.1, device: str = "cpu") -> None:
        self._cache: dict[tuple, list[Detection]] = {}
        self._open_vocab: dict[str, OpenVocabDetector] = {}
        self.size, self.threshold, self.device = size, threshold, device

    def __call__(self, detector: str, image: Part, queries: tuple[str, ...] = ()) -> list[Detection]:
        builtin = detector in DETECTORS
        key = (detector, image.digest, () if builtin else queries)
        if key not in self._cache:
            if len(self._cache) >= self.size:
                self._cache.pop(next(iter(self._cache)))
            if builtin:
                self._cache[key] = DETECTORS[detector](image.image)
            else:
                if detector not in self._open_vocab:
                    self._open_vocab[detector] = OpenVocabDetector(detector, self.threshold, self.device)
                self._cache[key] = self._open_vocab[detector](image.image, queries)
        return self._cache[key]
