"""GUI family: screens and accessibility trees, AndroidWorld action parsing, ScreenSpot-style
grounding with the oracle, random and a pixel-only OCR agent, and ScreenSpot / -Pro loaders."""

import json

import gymnasium as gym
import numpy as np
import pytest

from mmturn.assets import ASSETS
from mmturn.embodied.gui.actions import from_pixels, parse_action, to_pixels
from mmturn.embodied.gui.apps import APP_CLASSES
from mmturn.embodied.gui.grounding import random_screen, score_click, targets
from mmturn.embodied.gui.render import render
from mmturn.embodied.gui.views import accessibility_tree
from mmturn.tasks.cli import main
from mmturn.tasks.datasets import DatasetError
from mmturn.vision.geometry import iou, point_in_box


@pytest.mark.parametrize("app", sorted(APP_CLASSES))
def test_every_app_screen_has_a_consistent_tree_and_unique_targets(app):
    device = random_screen(np.random.default_rng(0), app, 1080, 2400, "light")
    root = device.screen()[0]
    tree = accessibility_tree(root)
    assert tree[0]["bbox_pixels"] == {"x_min": 0, "y_min": 0, "x_max": 1080, "y_max": 2400}
    for node in tree:
        b = node["bbox_pixels"]
        assert 0 <= b["x_min"] <= b["x_max"] <= 1080 and 0 <= b["y_min"] <= b["y_max"] <= 2400
        assert node["class_name"].startswith("android.widget.")
    found = targets(root)
    assert any(n["is_clickable"] for n in tree) and len(found) >= 4
    assert len({t.instruction for t in found}) == len(found)
    assert {t.kind for t in found} == {"text", "icon"}
    light, dark = render(root, "light"), render(root, "dark")
    assert light.shape == (2400, 1080, 3) and light.dtype == np.uint8 and not np.array_equal(light, dark)
    assert light.mean() > dark.mean() + 50


def test_screens_scale_to_other_resolutions():
    root = random_screen(np.random.default_rng(1), "settings", 720, 1600, "dark").screen()[0]
    assert render(root).shape == (1600, 720, 3)
    assert max(v.bounds[2] for v in root.walk()) <= 720


@pytest.mark.parametrize(
    "reply,coords,expected",
    [
        ('{"action_type": "click", "x": 540, "y": 1200}', "pixel", ("click", 540, 1200)),
        ('{"action_type": "long_press", "x": 0.5, "y": 0.25}', "norm1", ("long_press", 540, 600)),
        ("(500, 250)", "norm1000", ("click", 540, 600)),
        ("<|box_start|>(100,200),(300,400)<|box_end|>", "norm1000", ("click", 216, 720)),
        ('Sure! ```json\n{"action_type": "click", "x": 10, "y": 20}\n```', "pixel", ("click", 10, 20)),
    ],
)
def test_actions_parse_in_each_coordinate_convention(reply, coords, expected):
    a = parse_action(reply, coords, 1080, 2400)
    assert (a.kind, round(a.args["x"]), round(a.args["y"])) == expected and a.error is None


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "click the button",
        '{"action_type": "tap", "x": 1, "y": 2}',
        '{"action_type": "click", "x": "a", "y": 2}',
        '{"action_type": "click", "x": NaN, "y": 2}',
        '{"action_type": "click", "x": -5, "y": 2}',
        '{"action_type": "click", "x": 1e308, "y": 2}',
        '{"action_type": "scroll", "direction": "sideways"}',
        '{"action_type": "click", "index": 99}',
        '{"action_type": "status", "goal_status": "done"}',
    ],
)
def test_unparseable_or_out_of_range_replies_are_invalid_not_errors(reply):
    a = parse_action(reply, "pixel", 1080, 2400, elements=[(0, 0, 10, 10)])
    assert a.kind == "invalid" and a.error


def test_other_action_types_and_element_index():
    assert parse_action('{"action_type": "click", "index": 0}', "pixel", 100, 100, elements=[(0, 0, 10, 20)]).args == {
        "x": 5,
        "y": 10,
        "index": 0,
    }
    assert parse_action('{"action_type": "scroll", "direction": "down"}', "pixel", 100, 100).args == {
        "direction": "down"
    }
    assert parse_action('{"action_type": "input_text", "text": 5}', "pixel", 100, 100).args == {"text": "5"}
    assert parse_action('{"action_type": "status", "goal_status": "infeasible"}', "pixel", 100, 100).kind == "status"
    assert parse_action('{"action_type": "navigate_back"}', "pixel", 100, 100).kind == "navigate_back"


def test_point_in_box_counts_edges_and_conversions_round_trip():
    assert point_in_box(10, 20, (10, 20, 30, 40)) and point_in_box(30, 40, (10, 20, 30, 40))
    assert not point_in_box(30.01, 40, (10, 20, 30, 40))
    assert (
        iou((0, 0, 10, 10), (5, 0, 15, 10)) == 50 / 150
        and iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
        and iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0
    )
    for coords in ("pixel", "norm1", "norm1000"):
        x, y = to_pixels(*from_pixels(333, 777, coords, 1080, 2400), coords, 1080, 2400)
        assert abs(x - 333) <= 1.1 and abs(y - 777) <= 1.2


def test_score_click_unparseable_is_wrong_with_the_error_logged():
    target = {"bbox": [0, 0, 10, 10], "coords": "pixel", "width": 100, "height": 100}
    assert score_click("(5, 5)", target).scores["accuracy"] == 1.0
    result = score_click("no idea", target)
    assert result.scores["accuracy"] == 0.0 and "no action found" in result.error


@pytest.mark.parametrize("coords", ["pixel", "norm1", "norm1000"])
def test_oracle_is_perfect_and_random_near_chance(coords):
    env = gym.make("mmturn/GuiGrounding-v0", turns=8, coords=coords).unwrapped
    hits = {"oracle": [], "random": []}
    for seed in range(3):
        obs, info = env.reset(seed=seed)
        assert json.loads(obs["a11y"])[0]["class_name"].startswith("android")
        done = False
        while not done:
            hints = info["hints"]
            hits["random"].append(
                env.score(hints.candidates[0], env.episode.turns[env.turn_index].target).scores["accuracy"]
            )
            obs, reward, term, trunc, info = env.step(hints.oracle_reply)
            hits["oracle"].append(reward)
            done = term
    assert np.mean(hits["oracle"]) == 1.0 and np.mean(hits["random"]) < 0.2


@pytest.mark.slow
def test_ocr_agent_grounds_text_targets_from_pixels(tmp_path):
    out = tmp_path / "ocr"
    assert (
        main(
            [
                "run",
                "--no-progress",
                "--no-report",
                "--tasks",
                "gui-grounding",
                "--model",
                "ocr",
                "--limit",
                "4",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    m = json.loads((out / "results.json").read_text())["results"]["gui-grounding"]
    assert m["text_acc"] >= 0.8


def test_screenspot_sample_and_formats(tmp_path):
    path = ASSETS / "samples" / "screenspot" / "screenspot_mobile.json"
    out = tmp_path / "ss"
    assert (
        main(
            [
                "run",
                "--no-progress",
                "--no-report",
                "--tasks",
                "screenspot",
                "--model",
                "oracle",
                "--task-args",
                f"path={path}",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    res = json.loads((out / "results.json").read_text())
    assert res["results"]["screenspot"]["accuracy"] == 1.0 and res["counts"]["screenspot"]["episodes"] == 9
    samples = json.loads(path.read_text())
    x, y, w, h = samples[0]["bbox"]
    pro = [
        {
            **s,
            "bbox": [s["bbox"][0], s["bbox"][1], s["bbox"][0] + s["bbox"][2], s["bbox"][1] + s["bbox"][3]],
            "ui_type": s["data_type"],
            "platform": "android",
            "application": "demo",
        }
        for s in samples
    ]
    pro_path = path.parent / "pro_tmp.json"
    try:
        pro_path.write_text(json.dumps(pro))
        env = gym.make("mmturn/GuiGroundingDataset-v0", path=str(pro_path), format="screenspot-pro").unwrapped
        env.reset(seed=0, options={"index": 0})
        assert (
            env.episode.turns[0].target["bbox"] == [x, y, x + w, y + h] and env.episode.turns[0].target["app"] == "demo"
        )
    finally:
        pro_path.unlink()


@pytest.mark.parametrize(
    "item,field",
    [
        ({"img_filename": "a.png", "instruction": "x"}, "[0].bbox"),
        ({"img_filename": "a.png", "instruction": "x", "bbox": [1, 2, 3]}, "[0].bbox"),
        ({"img_filename": "a.png", "instruction": "x", "bbox": [1, 2, "3", 4]}, "[0].bbox"),
        ({"img_filename": "../a.png", "instruction": "x", "bbox": [1, 2, 3, 4]}, "[0].img_filename"),
        ({"bbox": [1, 2, 3, 4], "instruction": "x"}, "[0].img_filename"),
    ],
)
def test_malformed_screenspot_files_name_the_field(tmp_path, item, field):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "ann.json"
    path.write_text(json.dumps([item]))
    env = gym.make("mmturn/GuiGroundingDataset-v0", path=str(path)).unwrapped
    with pytest.raises(DatasetError) as err:
        env.dataset_size()
    assert err.value.field == field and str(path) in str(err.value)
