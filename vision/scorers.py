"""Visual scorers: ``clip`` (CLIPScore and image-image similarity with any open_clip model from a
local checkpoint, batched, image features cached by content hash), ``detector`` (object presence,
count, colour and position claims checked by a detector) and ``grounding`` (a reply's box or point
against a target box, by IoU or point-in-box)."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Sequence

import numpy as np

from mmturn.tasks.registry import register_scorer
from mmturn.tasks.types import Part, Score
from mmturn.vision.claims import Claim, check_all, claims_in_text, needs_ocr, object_labels
from mmturn.vision.clip import ClipEmbedder
from mmturn.vision.detectors import DetectionCache
from mmturn.vision.geometry import iou, point_in_box

CLIPSCORE_WEIGHT = 2.5  # Hessel et al. (2021)


@register_scorer("clip")
class ClipScore:
    """CLIPScore (Hessel et al. 2021): 2.5 x max(cos(image, text), 0). ``__call__`` scores a reply
    describing ``target["image"]`` (a Part), for envs that hold the image."""

    def __init__(
        self,
        model: str,
        pretrained: str | None = None,
        model_config: str | None = None,
        device: str = "cpu",
        batch_size: int = 64,
        cache_size: int = 4096,
    ) -> None:
        self.embedder = ClipEmbedder(model, pretrained, model_config, device)
        self.batch_size, self.cache_size = int(batch_size), int(cache_size)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def image_features(self, images: Sequence[Part]) -> np.ndarray:
        """Embeddings of image parts; each distinct image (by content hash) is encoded once."""
        missing = list({p.digest: p for p in images if p.digest not in self._cache}.values())
        if missing:
            for part, feature in zip(
                missing, self.embedder.image_features([p.image for p in missing], self.batch_size)
            ):
                self._cache[part.digest] = feature
        for p in images:
            self._cache.move_to_end(p.digest)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return np.stack([self._cache[p.digest] for p in images])

    def clipscore(self, images: Sequence[Part], texts: Sequence[str]) -> np.ndarray:
        """CLIPScore of each (image, text) pair."""
        cos = np.sum(self.image_features(images) * self.embedder.text_features(texts), axis=1)
        return CLIPSCORE_WEIGHT * np.maximum(cos, 0.0)

    def image_similarity(self, a: Sequence[Part], b: Sequence[Part]) -> np.ndarray:
        """Cosine similarity of each (a, b) pair of images."""
        return np.sum(self.image_features(a) * self.image_features(b), axis=1)

    def __call__(self, reply: str, target: dict[str, Any]) -> Score:
        return Score({"clipscore": float(self.clipscore([target["image"]], [reply])[0])})


@register_scorer("detector")
class DetectorScore:
    """Claims checked by a detector (``shapes``, ``ocr``, or the local path of an OWL-ViT / OWLv2 /
    Grounding DINO model), detections cached per image. ``__call__`` scores a description of
    ``target["image"]``: the object claims it makes about ``target["labels"]`` (see ``claims_in_text``):
    ``claims_correct`` (fraction that hold) and ``chair_i_detector`` (CHAIR_i with the detector as
    ground truth: mentioned objects it does not find / objects mentioned)."""

    def __init__(self, detector: str = "shapes", threshold: float = 0.1, device: str = "cpu") -> None:
        self.detector = detector
        self.cache = DetectionCache(threshold=threshold, device=device)

    def check(self, image: Part, claims: Sequence[Claim]) -> list[bool]:
        texts = self.cache("ocr", image) if needs_ocr(claims) else []
        return check_all(claims, self.cache(self.detector, image, object_labels(claims)), texts, image.image)

    def __call__(self, reply: str, target: dict[str, Any]) -> Score:
        claims = claims_in_text(reply, target["labels"])
        if not claims:
            return Score()
        held = self.check(target["image"], claims)
        present = [ok for c, ok in zip(claims, held) if c.kind == "present"]
        values = {"claims_correct": sum(held) / len(held), "chair_i_detector": 1.0 - sum(present) / len(present)}
        return Score(values, {"claims": [{**c.to_dict(), "passed": ok} for c, ok in zip(claims, held)]})


_NUMBER = r"-?\d+(?:\.\d+)?"


@register_scorer("grounding")
def grounding_scorer(reply: str, target: dict[str, Any]) -> Score:
    """A reply's box (four numbers: x1, y1, x2, y2) or point (two numbers) against ``target["box"]``, in
    the same coordinates: ``iou`` for a box, ``hit`` (point-in-box, edges inside; a box counts by its
    centre). An unparseable reply scores 0 on both."""
    numbers = [float(n) for n in re.findall(_NUMBER, reply)]
    box = [float(v) for v in target["box"]]
    if len(numbers) >= 4:
        predicted = numbers[:4]
        cx, cy = (predicted[0] + predicted[2]) / 2, (predicted[1] + predicted[3]) / 2
        return Score({"iou": iou(predicted, box), "hit": float(point_in_box(cx, cy, box))}, {"box": predicted})
    if len(numbers) >= 2:
        return Score({"iou": 0.0, "hit": float(point_in_box(numbers[0], numbers[1], box))}, {"point": numbers[:2]})
    return Score({"iou": 0.0, "hit": 0.0}, {"error": "no box or point in the reply"})
