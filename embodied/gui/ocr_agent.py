"""``ocr``: a pixel-only GUI agent (Android screens and web pages). It reads the screenshot with the
PP-OCR text detector and recogniser shipped by ``rapidocr-onnxruntime`` (``vision.detectors``; no
accessibility tree or DOM), finds the line that best matches the quoted target of the instruction
(lines that repeat the instruction itself, as MiniWob's task banner does, are skipped), and clicks the
target's place in it: the line's centre, or where the target's characters sit in a longer line."""

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


def instruction(prompt: str) -> str:
    return prompt.splitlines()[0].removeprefix("Instruction:").removeprefix("Task:").strip()


def _phrase(prompt: str) -> str:
    """What to look for: the quoted text of the instruction, else its words after the verb."""
    line = instruction(prompt).rstrip(".")
    quoted = re.findall(r"'([^']+)'|\"([^\"]+)\"", line)
    if quoted:
        return next(a or b for a, b in quoted)
    return " ".join(line.split()[1:]) or line


@register_model("ocr")
class OCRAgent(Model):
    concurrency = 1
    families = ("gui", "web")

    def __init__(self, min_similarity: float = 0.5) -> None:
        self.min_similarity = float(min_similarity)

    def locate(self, image: np.ndarray, phrase: str, said: str = "") -> tuple[float, float] | None:
        """Where ``phrase`` is in the OCR line most similar to it (a line containing it is preferred), lines
        that read like the instruction ``said`` skipped."""
        best, best_score = None, self.min_similarity
        b = phrase.lower().strip()
        for line in detect_text(image):
            a = line.label.lower().strip()
            if said and len(a) > len(b) + 3 and difflib.SequenceMatcher(None, a, said.lower()).ratio() > 0.6:
                continue  # the instruction as shown on screen (longer than the target), not the target
            score = 1.0 + len(b) / max(len(a), 1) if b and b in a else difflib.SequenceMatcher(None, a, b).ratio()
            if score > best_score:
                x1, y1, x2, y2 = line.box
                at = (a.index(b) + len(b) / 2) / len(a) if b and b in a else 0.5  # the target's share of the line
                best, best_score = (x1 + at * (x2 - x1), (y1 + y2) / 2), score
        return best

    async def respond(self, request: Request) -> Reply:
        parts = request.messages[-1].parts
        images = [p.image for p in parts if p.kind == "image"]
        prompt = "".join(p.text for p in parts if p.kind == "text")
        if not images:
            return Reply(text="", error="no screenshot in the turn")
        image = images[-1]
        point = await asyncio.to_thread(self.locate, image, _phrase(prompt), instruction(prompt))
        if point is None:
            return Reply(text=json.dumps({"action_type": "wait"}), error="target text not found on screen")
        height, width = image.shape[:2]
        x, y = from_pixels(point[0], point[1], _convention(prompt), width, height)
        return Reply(text=json.dumps({"action_type": "click", "x": x, "y": y}))
