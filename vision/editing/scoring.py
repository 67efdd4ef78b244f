"""Scores of one editing turn, in EdiVal-Agent's three axes: instruction following (the edit's claims
checked by detectors on the edited image), consistency (what the edit should not touch: detected
objects kept in place, SSIM and L1 outside the edited regions, optionally CLIP similarity), and
no-reference quality relative to the start image."""

from __future__ import annotations

from typing import Any, Sequence

import cv2
import numpy as np

from mmturn.tasks.types import Part, TurnResult
from mmturn.vision.claims import Claim, check_all, needs_ocr, object_labels
from mmturn.vision.detectors import Detection, DetectionCache
from mmturn.vision.editing.ops import BACKGROUND, TEXT
from mmturn.vision.geometry import iou
from mmturn.vision.image_metrics import l1_similarity, quality, ssim

FAILED = {
    "follow": 0.0,
    "claims": 0.0,
    "consistency": 0.0,
    "preserved": 0.0,
    "ssim_unchanged": 0.0,
    "l1_unchanged": 0.0,
    "quality": 0.0,
    "quality_sharpness": 0.0,
    "quality_noise": 0.0,
}
MARGIN = 0.03  # edited regions grow by this fraction of the image side before they are excluded


def _resolve(claim: Claim, before: Sequence[Detection]) -> Claim:
    """An ``at`` claim relative to the image before the edit: the box where that object was."""
    if claim.kind == "at" and isinstance(claim.value, dict):
        boxes = [d.box for d in before if d.label == claim.value["box_of"]]
        return Claim("at", claim.label, boxes[0] if boxes else (0.0, 0.0, 0.0, 0.0))
    return claim


def _box_mask(shape: tuple[int, int], boxes: Sequence[Sequence[float]]) -> np.ndarray:
    h, w = shape
    pad = MARGIN * max(h, w)
    mask = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in boxes:
        mask[max(0, int(y1 - pad)) : int(np.ceil(y2 + pad)), max(0, int(x1 - pad)) : int(np.ceil(x2 + pad))] = True
    return mask


def fit(image: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``image`` resized (area interpolation) to the size of ``like``, as models may return another size."""
    if image.shape[:2] == like.shape[:2]:
        return image
    return cv2.resize(image, (like.shape[1], like.shape[0]), interpolation=cv2.INTER_AREA)


def score_edit(
    before: Part,
    after: Part,
    start: Part,
    claims: Sequence[Claim],
    touched: Sequence[str],
    detector: str,
    detections: DetectionCache,
    clip: Any = None,
) -> TurnResult:
    """Score ``after`` (the model's image for this turn, already fitted to ``before``'s size)."""
    queries = tuple(dict.fromkeys(object_labels(claims) + tuple(t for t in touched if t not in (TEXT, BACKGROUND))))
    found_before, found_after = detections(detector, before, queries), detections(detector, after, queries)
    texts = detections("ocr", after) if needs_ocr(claims) or TEXT in touched else []
    passed = check_all([_resolve(c, found_before) for c in claims], found_after, texts, after.image)
    kept = [d for d in found_before if d.label not in touched]
    preserved = [any(a.label == d.label and iou(a.box, d.box) >= 0.5 for a in found_after) for d in kept]
    size = before.image.shape[:2]
    if BACKGROUND in touched:  # only the objects should survive a new background
        unchanged = _box_mask(size, [d.box for d in found_before]) if found_before else np.zeros(size, bool)
    else:
        edited = [d.box for d in found_before + found_after if d.label in touched] + [d.box for d in texts]
        unchanged = ~_box_mask(size, edited)
    scores = {
        **({"follow": float(all(passed)), "claims": float(np.mean(passed))} if passed else {}),  # no claims: not scored
        "preserved": float(np.mean(preserved)) if preserved else 1.0,
        "ssim_unchanged": ssim(before.image, after.image, unchanged),
        "l1_unchanged": l1_similarity(before.image, after.image, unchanged),
        **quality(after.image, start.image),
    }
    scores["consistency"] = (scores["preserved"] + scores["ssim_unchanged"]) / 2
    if clip is not None:  # CLIP features of the unchanged regions, the edited ones greyed out in both images
        grey = [Part.of_image(np.where(unchanged[..., None], im.image, 128).astype(np.uint8)) for im in (before, after)]
        scores["clip_unchanged"] = float(np.clip(clip.image_similarity([grey[0]], [grey[1]])[0], 0.0, 1.0))
    details = {
        "claims": [{**c.to_dict(), "passed": p} for c, p in zip(claims, passed)],
        "detections": [
            {"label": d.label, "box": [round(v, 1) for v in d.box], "score": round(d.score, 3)}
            for d in found_after + texts
        ],
        "detections_before": [{"label": d.label, "box": [round(v, 1) for v in d.box]} for d in found_before],
    }
    return TurnResult(scores, {}, details=details)
