"""``ocr``: a pixel-only GUI agent. It reads the screenshot with the PP-OCR text detector and
recogniser shipped by ``rapidocr-onnxruntime`` (``vision.detectors``; no accessibility tree), finds
the line that best matches the quoted target of the instruction, and clicks its centre."""

from __future__ import annotations

import asyncio
import difflib
import json
import re

import numpy as np

from mmturn.embodied.gui.actions import from_pixels
from mmturn.tasks.model import Model
from mmturn.tasks.registry import register_model
from mmturn.tasks.types import Reply, Request
from mmturn.vision.detectors import detect_text


def _convention(prompt: str) -> str:
    if "0-1000" in prompt:
        return "norm1000"
    if "fractions" in prompt:
        return "norm1"
    return "pixel"


def _phrase(prompt: str) -> str:
    """What to look for: the quoted text of the instruction, else its words after the verb."""
    line = prompt.splitlines()[0].removeprefix("Instruction:").strip().rstrip(".")
    quoted = re.findall(r"'([^']+)'|\"([^\"]+)\"", line)
    if quoted:
        return next(a or b for a, b in quoted)
    return " ".join(line.split()[1:]) or line


@register_model("ocr")
class OCRAgent(Model):
    concurrency = 1
    families = ("gui",)

    def __init__(self, min_similarity: float = 0.5) -> None:
        self.min_similarity = float(min_similarity)

    def locate(self, image: np.ndarray, phrase: str) -> tuple[float, float] | None:
        """Centre of the OCR line most similar to ``phrase`` (a line containing it is preferred)."""
        best, best_score = None, self.min_similarity
        for line in detect_text(image):
            a, b = line.label.lower().strip(), phrase.lower().strip()
            score = 1.0 + len(b) / max(len(a), 1) if b and b in a else difflib.SequenceMatcher(None, a, b).ratio()
            if score > best_score:
                x1, y1, x2, y2 = line.box
                best, best_score = ((x1 + x2) / 2, (y1 + y2) / 2), score
        return best

    async def respond(self, request: Request) -> Reply:
        parts = request.messages[-1].parts
        images = [p.image for p in parts if p.kind == "image"]
        prompt = "".join(p.text for p in parts if p.kind == "text")
        if not images:
            return Reply(text="", error="no screenshot in the turn")
        image = images[-1]
        point = await asyncio.to_thread(self.locate, image, _phrase(prompt))
        if point is None:
            return Reply(text=json.dumps({"action_type": "wait"}), error="target text not found on screen")
        height, width = image.shape[:2]
        x, y = from_pixels(point[0], point[1], _convention(prompt), width, height)
        return Reply(text=json.dumps({"action_type": "click", "x": x, "y": y}))
