"""Multi-turn image editing: every edit op's claims hold on the exact edit and fail on the unchanged
image (shapes detector and the real PP-OCR model), the baselines separate, image-returning models
(an images/edits endpoint, a tiny InstructPix2Pix from disk) run end to end, users' edit sequences
load with file/line/field errors, and the report shows each turn's image with its detections."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmturn.tasks.cli import main
from mmturn.tasks.datasets import DatasetError
from mmturn.tasks.registry import ENVS
from mmturn.tasks.types import Part
from mmturn.testing.fake_openai import FakeOpenAIServer, ServerState
from mmturn.vision.claims import Claim, check, check_all, needs_ocr
from mmturn.vision.detectors import DetectionCache, detect_shapes, detect_text
from mmturn.vision.editing.ops import OPS, edit_sequence, start_scene
from mmturn.vision.editing.scoring import _resolve


def run_cli(*args) -> int:
    return main(["run", "--no-progress", "--no-report", *args])


def results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())["results"]


def holds(claims, before: np.ndarray, after: np.ndarray) -> list[bool]:
    found_before, found_after = detect_shapes(before), detect_shapes(after)
    return check_all(
        [_resolve(c, found_before) for c in claims], found_after, detect_text(after) if needs_ocr(claims) else [], after
    )


@pytest.mark.parametrize("op", sorted(OPS))
def test_each_op_holds_on_the_exact_edit_and_fails_on_the_unchanged_image(op):
    for seed in range(4):
        rng = np.random.default_rng(seed)
        scene = start_scene(rng)
        edit = edit_sequence(scene, rng, 1, ops=(op,))[0]
        before, after = scene.render(), edit.after.render()
        assert all(holds(edit.claims, before, after)), (seed, edit.instruction)
        assert not all(holds(edit.claims, before, before)), (seed, edit.instruction)
        assert sorted(d.label for d in detect_shapes(after)) == sorted(s.label for s in edit.after.shapes)


def test_rendering_is_deterministic_and_untouched_pixels_stay_identical():
    rng = np.random.default_rng(5)
    scene = start_scene(rng)
    edit = edit_sequence(scene, rng, 1, ops=("remove",))[0]
    a, b = scene.render(), edit.after.render()
    assert np.array_equal(a, scene.with_().render())
    box = next(scene.box(s) for s in scene.shapes if s.label == edit.claims[0].label)
    changed = np.argwhere((a != b).any(axis=2))
    assert changed.size and (changed[:, 1].min() >= box[0] - 1) and (changed[:, 1].max() <= box[2] + 1)


@pytest.mark.slow
def test_oracle_identity_and_random_separate_and_report_shows_turn_images(tmp_path):
    for model in ("oracle", "identity", "random"):
        assert (
            run_cli(
                "--tasks", "edit-multiturn", "--model", model, "--limit", "5", "--output-dir", str(tmp_path / model)
            )
            == 0
        )
    oracle, identity, rnd = (results(tmp_path / m)["edit-multiturn"] for m in ("oracle", "identity", "random"))
    assert oracle["follow"] == 1.0 and oracle["claims"] == 1.0 and oracle["all_followed"] == 1.0
    assert oracle["consistency"] >= 0.95 and oracle["preserved"] == 1.0 and oracle["quality"] >= 0.9
    assert identity["follow"] <= 0.15 and identity["consistency"] == 1.0 and identity["quality"] == 1.0
    assert rnd["follow"] < 0.5 and rnd["consistency"] < identity["consistency"]
    curves = json.loads((tmp_path / "oracle" / "results.json").read_text())["curves"]["edit-multiturn"]
    assert curves["follow"][0] == 1.0 and set(curves) == {"follow", "consistency", "quality"}
    turns = [json.loads(x) for x in (tmp_path / "oracle" / "samples" / "edit-multiturn.jsonl").read_text().splitlines()]
    turns = [t for t in turns if t["type"] == "turn"]
    assert all(
        len(t["reply_images"]) == 1
        and (tmp_path / "oracle" / "images" / f"{t['reply_images'][0]['image']}.png").exists()
        for t in turns
    )
    assert all(t["details"]["detections"] for t in turns if t["target"]["op"] != "background")
    assert main(["report", str(tmp_path)]) == 0
    html = (tmp_path / "report.html").read_text()
    assert html.count('alt="episode overview"') >= 9 and 'alt="reply image' in html


def test_reply_without_image_fails_the_turn_and_other_sizes_are_fitted():
    env = ENVS.get("mmturn/ImageEditing-v0")(turns=3)
    obs, info = env.reset(seed=3)
    start = obs["parts"][0]
    _, reward, _, _, info = env.step("I cannot edit images.")
    assert reward == 0.0 and info["error"] == "the reply has no image" and info["scores"]["follow"] == 0.0
    assert env.current is start  # the image stays as it was
    big = np.repeat(np.repeat(start.image, 2, axis=0), 2, axis=1)
    _, _, _, _, info = env.step((Part.of_text("here"), Part.of_image(big)))
    assert info["error"] is None and info["details"]["resized"] and info["scores"]["consistency"] > 0.95
    assert env.current.image.shape == start.image.shape


def test_users_edit_sequences_load_and_errors_name_file_line_field(tmp_path):
    sample = ENVS.get("mmturn/EditingDataset-v0").example_kwargs()["path"]
    out = tmp_path / "ok"
    assert (
        run_cli(
            "--tasks", "edit-jsonl", "--task-args", f"path={sample}", "--model", "identity", "--output-dir", str(out)
        )
        == 0
    )
    m = results(out)["edit-jsonl"]
    assert m["consistency"] == 1.0 and m["follow"] == 0.0
    bad = tmp_path / "bad.jsonl"
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    bad.write_text(
        '{"image": "a.png", "turns": [{"instruction": "x"}]}\n{"image": "a.png", "turns": '
        '[{"instruction": "y", "claims": [{"kind": "shiny"}]}]}\n'
    )
    with pytest.raises(DatasetError) as e:
        _ = ENVS.get("mmturn/EditingDataset-v0")(path=str(bad)).records
    assert e.value.line == 2 and e.value.field == "turns[0].claims[0]" and "shiny" in str(e.value)
    bad.write_text('{"image": "../../etc/passwd", "turns": [{"instruction": "x"}]}\n')
    env = ENVS.get("mmturn/EditingDataset-v0")(path=str(bad))
    with pytest.raises(DatasetError, match="outside the dataset folder"):  # refused when the dataset loads
        _ = env.records


def test_openai_images_edit_endpoint_round_trip(tmp_path):
    state = ServerState(faults=["503", "429"])
    with FakeOpenAIServer(state) as server:
        out = tmp_path / "api"
        args = f"base_url={server.base_url},cache=none,backoff_initial=0.01"
        assert (
            run_cli(
                "--tasks",
                "edit-multiturn",
                "--model",
                "openai-images",
                "--model-args",
                args,
                "--limit",
                "2",
                "--output-dir",
                str(out),
            )
            == 0
        )
    edits = [r for r in state.requests if "prompt" in r]
    turns = [
        json.loads(x)
        for x in (out / "samples" / "edit-multiturn.jsonl").read_text().splitlines()
        if '"type": "turn"' in x
    ]
    assert len(edits) == len(turns) + 2  # two injected faults retried
    assert sorted(r["prompt"] for r in edits[2:]) == sorted(
        t["target"]["instruction"] for t in turns
    )  # the bare instruction is the prompt
    assert all(t["reply_images"] and t["error"] is None for t in turns)
    assert results(out)["edit-multiturn"]["preserved"] < 1.0  # the server mirrors images: objects move


@pytest.mark.slow
def test_tiny_instruct_pix2pix_from_disk_runs_edits_reproducibly(tmp_path, tiny_pix2pix):
    runs = []
    for k in range(2):
        out = tmp_path / f"p{k}"
        args = f"path={tiny_pix2pix},num_inference_steps=2,max_side=64"
        assert (
            run_cli(
                "--tasks",
                "edit-multiturn",
                "--model",
                "diffusers",
                "--model-args",
                args,
                "--limit",
                "1",
                "--task-args",
                "turns=3",
                "--output-dir",
                str(out),
            )
            == 0
        )
        runs.append(
            [
                json.loads(x)
                for x in (out / "samples" / "edit-multiturn.jsonl").read_text().splitlines()
                if '"type": "turn"' in x
            ]
        )
    assert len(runs[0]) == 3 and all(t["reply_images"] and t["details"]["resized"] for t in runs[0])
    assert [t["reply_images"] for t in runs[0]] == [t["reply_images"] for t in runs[1]]  # seeded per request


@pytest.mark.slow
def test_open_vocabulary_detector_from_disk_equals_raw_transformers(tiny_owlvit, tiny_owlv2):
    import torch
    from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor

    image = Part.of_image(np.random.default_rng(0).integers(0, 256, (90, 120, 3), dtype=np.uint8))
    queries = ("red circle", "blue square")
    for path in (tiny_owlvit, tiny_owlv2):
        cache = DetectionCache(threshold=0.2)
        ours = cache(path, image, queries)
        processor, model = (
            AutoProcessor.from_pretrained(path),
            AutoModelForZeroShotObjectDetection.from_pretrained(path).eval(),
        )
        inputs = processor(
            images=[image.image], text=[list(queries)], return_tensors="pt", padding=True, truncation=True
        )
        with torch.no_grad():
            raw = model(**inputs)
        side = (120, 120) if path == tiny_owlv2 else (90, 120)
        ref = processor.post_process_grounded_object_detection(
            raw, threshold=0.2, target_sizes=[side], text_labels=[list(queries)]
        )[0]
        assert [d.label for d in ours] == list(ref["text_labels"]) and len(ours) == len(ref["boxes"])
        assert all(0 <= d.box[0] <= d.box[2] <= 120 and 0 <= d.box[1] <= d.box[3] <= 90 for d in ours)
        assert cache(path, Part.of_image(image.image.copy()), queries) is ours  # cached by content


@pytest.mark.slow
def test_edit_sequences_scored_by_an_open_vocabulary_detector_and_clip(tmp_path, tiny_owlvit, tiny_clip):
    sample = ENVS.get("mmturn/EditingDataset-v0").example_kwargs()["path"]
    out = tmp_path / "owl"
    task_args = (
        f"path={sample},detector={tiny_owlvit},threshold=0.5,clip_model={tiny_clip['model']},"
        f"clip_pretrained={tiny_clip['pretrained']},clip_config={tiny_clip['model_config']}"
    )
    assert (
        run_cli("--tasks", "edit-jsonl", "--task-args", task_args, "--model", "identity", "--output-dir", str(out)) == 0
    )
    m = results(out)["edit-jsonl"]
    assert m["clip_unchanged"] == pytest.approx(1.0, abs=1e-5) and m["consistency"] > 0.5 and "follow" in m


def test_claims_colour_region_left_of_and_text_in_descriptions():
    from mmturn.vision.claims import box_colour, claims_in_text
    from mmturn.vision.dialogue.scenes import shapes_scene

    scene = shapes_scene(np.random.default_rng(2))
    found = detect_shapes(scene.image)
    for o in scene.facts["objects"]:
        assert box_colour(scene.image, o["box"]) == o["colour"]
    labels = [f"{o['colour']} {o['shape']}" for o in scene.facts["objects"]]
    a = scene.facts["objects"][0]
    region = ("top " if a["y"] < scene.image.shape[0] / 2 else "bottom ") + (
        "left" if a["x"] < scene.image.shape[1] / 2 else "right"
    )
    text = f"There is one {labels[0]} in the {region}, and 7 {labels[0]}s. Also a green unicorn."
    claims = claims_in_text(text, labels + ["green unicorn"])
    assert (
        Claim("present", labels[0]) in claims
        and Claim("count", labels[0], 7) in claims
        and Claim("region", labels[0], region) in claims
    )
    verdict = {c: check(c, found, scene.image) for c in claims}
    assert verdict[Claim("present", labels[0])] and verdict[Claim("region", labels[0], region)]
    assert not verdict[Claim("count", labels[0], 7)] and not verdict[Claim("present", "green unicorn")]
    with pytest.raises(ValueError):
        Claim("region", "x", "upstairs")
