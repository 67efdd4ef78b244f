"""Detectors: exact OpenCV detection on procedural shape scenes, the shipped PP-OCR model on rendered
text, and caching by image content."""

from collections import Counter

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mmturn.assets import FONTS
from mmturn.tasks.types import Part
from mmturn.vision.detectors import DetectionCache, detect_shapes, detect_text
from mmturn.vision.dialogue.scenes import shapes_scene
from mmturn.vision.geometry import point_in_box


@pytest.mark.parametrize("seed", range(20))
def test_shape_detector_matches_the_scene_ground_truth(seed):
    scene = shapes_scene(np.random.default_rng(seed))
    found = detect_shapes(scene.image)
    truth = Counter(f"{o['colour']} {o['shape']}" for o in scene.facts["objects"])
    assert Counter(d.label for d in found) == truth
    for obj in scene.facts["objects"]:  # every object's centre lies in a box with its label
        assert any(
            d.label == f"{obj['colour']} {obj['shape']}" and point_in_box(obj["x"], obj["y"], d.box) for d in found
        )


def test_ocr_reads_rendered_text_with_the_shipped_model():
    img = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(img)
    draw.text((30, 40), "PLANET", fill="black", font=ImageFont.truetype(str(FONTS[0]), 56))
    draw.text((330, 120), "river 42", fill=(40, 80, 220), font=ImageFont.truetype(str(FONTS[0]), 40))
    found = detect_text(np.asarray(img))
    texts = {d.label for d in found}
    assert "PLANET" in texts and "river 42" in texts
    planet = next(d for d in found if d.label == "PLANET")
    assert point_in_box(150, 70, planet.box) and planet.score > 0.8


def test_detections_are_cached_by_image_content(monkeypatch):
    from mmturn.vision import detectors

    calls = []
    monkeypatch.setitem(detectors.DETECTORS, "shapes", lambda image: calls.append(1) or detect_shapes(image))
    cache = DetectionCache()
    scene = shapes_scene(np.random.default_rng(0))
    first = cache("shapes", Part.of_image(scene.image))
    again = cache("shapes", Part.of_image(scene.image.copy()))
    assert first == again and len(calls) == 1
