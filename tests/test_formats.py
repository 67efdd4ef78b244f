"""GUI action formats: replies written in each model's published action space parse to the intended
action and screen point, in the frame of the image the model was sent (Qwen's and UI-TARS' smart_resize,
Qwen3-VL's 0-1000 scale), and the oracle speaking each format solves the GUI tasks."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmturn.embodied.gui.formats import FORMATS, get_format, parse, smart_resize
from mmturn.tasks.cli import main

W, H = 1080, 2400
THINK = "<think>\nThe Save button is at the bottom right, so I will tap it.\n</think>\n"


def call(arguments: dict) -> str:
    return f'<tool_call>\n{{"name": "mobile_use", "arguments": {json.dumps(arguments)}}}\n</tool_call>'


def test_smart_resize_follows_qwen_vl_utils():
    assert smart_resize(2400, 1080, 28, 3136, 12845056) == (2408, 1092)  # rounded to multiples of 28
    assert smart_resize(1200, 540, 28, 3136, 12845056) == (1204, 532)  # a non-square change of scale
    h, w = smart_resize(8000, 6000, 28, 3136, 1003520)  # too many pixels: scaled down, aspect kept
    assert h * w <= 1003520 and h % 28 == 0 and w % 28 == 0 and abs(h / w - 8000 / 6000) < 0.05
    h, w = smart_resize(20, 30, 28, 78400, 12845056)  # too few: scaled up
    assert h * w >= 78400 and h % 28 == 0 and w % 28 == 0


# (format, reply as the model family writes it, image size sent or None, intended kind, intended screen point)
PUBLISHED = [
    ("androidworld", '{"action_type": "click", "x": 540, "y": 1200}', None, "click", (540, 1200)),
    ("qwen25vl", THINK + call({"action": "click", "coordinate": [546, 1204]}), None, "click", (540, 1200)),
    ("qwen25vl", call({"action": "long_press", "coordinate": [273, 602]}), None, "long_press", (270, 600)),
    ("qwen25vl", call({"action": "click", "coordinate": [266, 602]}), (540, 1200), "click", (540, 1200)),
    (
        "qwen25vl",
        '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [546, 1204]}}',
        None,
        "click",
        (540, 1200),
    ),
    ("qwen3vl", THINK + call({"action": "click", "coordinate": [500, 500]}), None, "click", (540, 1200)),
    ("qwen3vl", call({"action": "click", "coordinate": [250, 750]}), (540, 1200), "click", (270, 1800)),
    (
        "uitars",
        "Thought: Tap Save.\nAction: click(start_box='<|box_start|>(546,1204)<|box_end|>')",
        None,
        "click",
        (540, 1200),
    ),
    ("uitars", "Thought: Tap Save.\nAction: click(start_box='(546,1204)')", None, "click", (540, 1200)),
    ("uitars", "Action: click(point='<point>546 1204</point>')", None, "click", (540, 1200)),
    ("uitars", "Action: long_press(start_box='(500,1100,592,1308)')", None, "long_press", (540, 1200)),
    ("uitars", THINK + "Action: click(start_box='(266,602)')", (540, 1200), "click", (540, 1200)),
]


@pytest.mark.parametrize(("fmt", "reply", "size", "kind", "point"), PUBLISHED)
def test_published_replies_parse_to_the_intended_point(fmt, reply, size, kind, point):
    action = parse(reply, fmt, W, H, image_size=size)
    assert action.error is None and action.kind == kind
    assert math.dist((action.args["x"], action.args["y"]), point) <= 1.5


@pytest.mark.parametrize(
    ("fmt", "reply", "kind", "args"),
    [
        ("qwen25vl", call({"action": "type", "text": "Buy milk"}), "input_text", {"text": "Buy milk"}),
        ("qwen25vl", call({"action": "system_button", "button": "Back"}), "navigate_back", {}),
        ("qwen25vl", call({"action": "system_button", "button": "Home"}), "navigate_home", {}),
        ("qwen25vl", call({"action": "system_button", "button": "Enter"}), "keyboard_enter", {}),
        ("qwen25vl", call({"action": "open", "text": "Clock"}), "open_app", {"app_name": "Clock"}),
        ("qwen25vl", call({"action": "wait", "time": 2}), "wait", {}),
        ("qwen25vl", call({"action": "terminate", "status": "success"}), "status", {"goal_status": "complete"}),
        ("qwen3vl", call({"action": "terminate", "status": "failure"}), "status", {"goal_status": "infeasible"}),
        ("qwen3vl", call({"action": "answer", "text": "7:30"}), "answer", {"text": "7:30"}),
        # a finger swiping up scrolls the content down (AndroidWorld's swipe is the finger's direction)
        (
            "qwen3vl",
            call({"action": "swipe", "coordinate": [500, 700], "coordinate2": [500, 300]}),
            "swipe",
            {"direction": "up"},
        ),
        (
            "uitars",
            "Thought: type it\nAction: type(content='it\\'s \"fine\"\\n')",
            "input_text",
            {"text": 'it\'s "fine"'},
        ),
        ("uitars", "Action: scroll(start_box='(500,500)', direction='down')", "scroll", {"direction": "down"}),
        ("uitars", "Action: drag(start_box='(500,900)', end_box='(500,200)')", "swipe", {"direction": "up"}),
        ("uitars", "Action: open_app(app_name='Notes')", "open_app", {"app_name": "Notes"}),
        ("uitars", "Action: press_back()", "navigate_back", {}),
        ("uitars", "Action: press_home()", "navigate_home", {}),
        ("uitars", "Action: wait()", "wait", {}),
        ("uitars", "Action: finished(content='42')", "status", {"goal_status": "complete", "text": "42"}),
        ("uitars", "Action: call_user()", "status", {"goal_status": "infeasible"}),
    ],
)
def test_every_action_of_each_space(fmt, reply, kind, args):
    action = parse(reply, fmt, W, H)
    assert (action.kind, action.args, action.error) == (kind, args, None)


GARBAGE = [
    "",
    "I am not sure what to do.",
    "<tool_call>{not json</tool_call>",
    call({"action": "fly", "coordinate": [1, 2]}),
    call({"action": "click"}),
    call({"action": "click", "coordinate": [5000, 10]}),
    call({"action": "click", "coordinate": ["a", "b"]}),
    "Action: click()",
    "Action: click(start_box='(99999,5)')",
    "Action: scroll(direction='sideways')",
    "<think>never closed",
]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("reply", GARBAGE)
def test_garbage_is_an_invalid_action_with_a_reason(fmt, reply):
    action = parse(reply, fmt, W, H)
    assert action.kind == "invalid" and action.error


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=200), fmt=st.sampled_from(sorted(FORMATS)))
def test_any_text_parses_without_raising(text, fmt):
    action = parse(text, fmt, W, H)
    assert action.kind == "invalid" or action.error is None


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("size", [None, (540, 1200), (719, 1600), (1000, 1000)])
def test_the_oracles_points_come_back_within_a_pixel_and_a_half(fmt, size):
    """Render in the frame of the image sent (a non-square resize included), parse back: the same point."""
    f = get_format(fmt)
    frame = f.frame(W, H, size)
    for x, y in [(0, 0), (1, 2399), (333, 1777), (540, 1200), (1079, 7), (812.5, 2033.3)]:
        action = f.parse(f.render({"action_type": "click", "x": x, "y": y}, frame), frame)
        assert action.kind == "click" and math.dist((action.args["x"], action.args["y"]), (x, y)) <= 1.5


def test_wrong_frame_would_misplace_the_point():
    """Reading a Qwen2.5-VL point without the resize the model saw lands far from the element."""
    reply = call({"action": "click", "coordinate": [266, 602]})
    right, naive = parse(reply, "qwen25vl", W, H, image_size=(540, 1200)), parse(reply, "qwen25vl", W, H)
    assert math.dist((right.args["x"], right.args["y"]), (naive.args["x"], naive.args["y"])) > 500


def test_unknown_format_and_coords_are_one_line_errors():
    with pytest.raises(ValueError, match="action_format must be one of androidworld, qwen25vl, qwen3vl, uitars"):
        get_format("seeclick")
    with pytest.raises(ValueError, match="coords=norm1 applies to action_format=androidworld only"):
        get_format("uitars", "norm1")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_oracle_in_each_format_solves_every_gui_task(fmt, tmp_path):
    """Every goal template (feasible, infeasible, with answers), step-wise trajectories and grounding."""
    out = tmp_path / fmt
    args = ["run", "--no-progress", "--no-report", "--executor", "inline", "--model", "oracle", "--output-dir"]
    code = main(
        [*args, str(out), "--tasks", "gui-tasks,gui-steps,gui-grounding", "--task-args", f"action_format={fmt}"]
        + ["--limit", "43"]
    )
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["results"]["gui-tasks"]["success"] == 1.0
    assert results["results"]["gui-tasks"]["success_infeasible"] == 1.0
    assert results["results"]["gui-steps"]["step_acc_strict"] == 1.0
    assert results["results"]["gui-grounding"]["accuracy"] == 1.0
    version = FORMATS[fmt].version
    for task in ("gui-tasks", "gui-steps", "gui-grounding"):
        assert results["facts"][task] == {"action_format": fmt, "action_format_version": version}
    first = json.loads((out / "samples" / "gui-tasks.jsonl").read_text().splitlines()[0])
    marker = {"androidworld": '"action_type"', "qwen25vl": "mobile_use", "qwen3vl": "mobile_use", "uitars": "start_box"}
    assert marker[fmt] in first["observation"][-1]["text"]


def test_formats_that_type_into_the_focused_field_tap_it_first():
    from mmturn.tasks.registry import TASKS, load_builtins

    load_builtins()
    for fmt in ("qwen25vl", "uitars"):
        env = TASKS.get("gui-tasks").make_env({"action_format": fmt, "templates": ("NotesCreate",)})
        obs, info = env.reset(seed=3, options={"index": 0})
        kinds = []
        for _ in range(30):
            obs, _, terminated, truncated, info2 = env.step(info["hints"].oracle_reply)
            kinds.append(info2["action"]["kind"])
            info = info2
            if terminated or truncated:
                break
        assert env.success() == 1.0
        k = kinds.index("input_text")
        assert kinds[k - 1] == "click"  # the field was tapped just before typing into it
