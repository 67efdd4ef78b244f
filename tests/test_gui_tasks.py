"""Multi-step GUI tasks on the app state machines: the device's semantics, the 43 goal templates
solved by the oracle planner, AndroidWorld's success rule, and AITW step matching."""

import json

import gymnasium as gym
import numpy as np
import pytest

from mmturn.embodied.gui.apps import make_apps
from mmturn.embodied.gui.device import Device
from mmturn.embodied.gui.goals import GOALS
from mmturn.embodied.gui.matching import DUAL_POINT, aitw_match, strict_match, to_aitw
from mmturn.tasks.cli import main
from mmturn.tasks.types import Action


def click(device: Device, pick) -> None:
    root, handlers = device.screen()
    view = next(v for v in root.walk() if id(v) in handlers and pick(v))
    device.act(Action("", "click", {"x": view.center[0], "y": view.center[1]}))


def test_device_forms_keyboard_dialogs_back_and_home():
    device = Device(make_apps(np.random.default_rng(0)))
    assert device.page is None and any(v.kind == "launcher_icon" for v in device.screen()[0].walk())
    click(device, lambda v: v.text == "Contacts")
    assert device.page.app == "contacts"
    before = dict(device.apps["contacts"].people)
    click(device, lambda v: v.kind == "fab")
    click(device, lambda v: v.kind == "text_field" and v.desc == "Name")
    assert any(v.kind == "keyboard" for v in device.screen()[0].walk())
    device.act(Action("", "input_text", {"text": "Zoe Park"}))
    click(device, lambda v: v.kind == "text_field" and v.desc == "Phone")
    device.act(Action("", "input_text", {"text": "555-0101"}))
    click(device, lambda v: v.text == "Save")
    assert device.apps["contacts"].people == {**before, "Zoe Park": "555-0101"} and device.page.name == "main"
    device.act(Action("", "scroll", {"direction": "down"}))  # the new contact sorts last
    click(device, lambda v: v.text == "Zoe Park")
    click(device, lambda v: v.desc == "Delete contact")
    root = device.screen()[0]
    assert any(v.kind == "dialog" for v in root.walk())
    assert device.hit(5, 5) is None  # a dialog takes every touch outside its buttons
    click(device, lambda v: v.text == "Delete")
    assert "Zoe Park" not in device.apps["contacts"].people and device.page.name == "main"
    device.act(Action("", "navigate_home"))
    assert device.page is None
    assert device.act(Action("", "open_app", {"app_name": "Calendar"})) is None and device.page.app == "calendar"
    assert "no app named" in device.act(Action("", "open_app", {"app_name": "Maps"}))


def test_scrolling_reveals_the_rest_of_a_long_list():
    device = Device(make_apps(np.random.default_rng(0)))
    device.open_app("settings")
    first = [v.text for v in device.screen()[0].walk() if v.kind == "list_item"]
    device.act(Action("", "scroll", {"direction": "down"}))
    later = [v.text for v in device.screen()[0].walk() if v.kind == "list_item"]
    assert later != first and "About phone" in later and "About phone" not in first
    device.act(Action("", "swipe", {"direction": "down"}))  # a swipe down scrolls back up
    assert [v.text for v in device.screen()[0].walk() if v.kind == "list_item"] == first


def test_at_least_forty_templates_including_infeasible_and_answers():
    rng = np.random.default_rng(0)
    goals = [make(rng, make_apps(rng)) for make in GOALS.values()]
    assert len(GOALS) >= 40
    assert sum(not g.feasible for g in goals) >= 8 and sum(g.answer is not None for g in goals) >= 10
    assert len({a for g in goals for a in g.apps}) == 8


@pytest.mark.parametrize("template", sorted(GOALS))
def test_oracle_solves_every_template_and_the_goal_is_not_met_at_the_start(template):
    env = gym.make("mmturn/GuiTasks-v0", templates=(template,)).unwrapped
    for seed in range(2):
        obs, info = env.reset(seed=seed)
        if env.goal.feasible:
            assert not (env.goal.answer is None and env.goal.check(env.device.apps)), "the goal already holds"
        done = False
        while not done:
            obs, reward, term, trunc, info = env.step(info["hints"].oracle_reply)
            done = term or trunc
        assert term and reward == 1.0 and info["scores"]["success"] == 1.0


def test_success_needs_declared_completion_and_the_right_answer():
    env = gym.make("mmturn/GuiTasks-v0", templates=("ContactsCount",)).unwrapped
    _, info = env.reset(seed=1)
    _, _, _, _, info = env.step(info["hints"].oracle_reply)  # open the app
    _, _, term, _, info = env.step(json.dumps({"action_type": "answer", "text": "999"}))
    _, reward, term, _, info = env.step(json.dumps({"action_type": "status", "goal_status": "complete"}))
    assert term and reward == 0.0
    env = gym.make("mmturn/GuiTasks-v0", templates=("SettingsTurnOn",)).unwrapped
    _, info = env.reset(seed=2)
    for _ in range(2):  # the right state, never declared: the budget runs out
        _, _, _, _, info = env.step(info["hints"].oracle_reply)
    steps = 2
    while True:
        _, reward, term, trunc, info = env.step(json.dumps({"action_type": "wait"}))
        steps += 1
        if term or trunc:
            break
    assert trunc and not term and reward == 0.0 and steps == env.budget
    env = gym.make("mmturn/GuiTasks-v0", templates=("FilesInfeasible",)).unwrapped
    env.reset(seed=0)
    _, reward, term, _, _ = env.step(json.dumps({"action_type": "status", "goal_status": "complete"}))
    assert term and reward == 0.0  # an infeasible goal is solved only by saying so


def test_unparseable_actions_are_scored_no_ops():
    env = gym.make("mmturn/GuiTasks-v0", templates=("NotesCount",)).unwrapped
    env.reset(seed=0)
    obs, reward, term, trunc, info = env.step("let me think about it")
    assert not term and info["scores"]["valid"] == 0.0 and "no action found" in info["error"]
    assert "did nothing" in obs["parts"][-1].text


def test_aitw_matching_rules():
    w, h = 1000, 2000
    tap = lambda x, y: to_aitw("click", {"x": x, "y": y}, w, h)  # noqa: E731
    boxes = [(0.10, 0.10, 0.05, 0.05)]  # (y, x, h, w) normalised
    assert tap(100, 200)["type"] == DUAL_POINT
    assert aitw_match(tap(100, 200), tap(100 + 130, 200), [])  # within 0.14 of the screen
    assert not aitw_match(tap(100, 200), tap(300, 200), [])
    assert aitw_match(tap(101, 201), tap(169, 269), boxes)  # both in the same box enlarged 2.4x
    down, up = to_aitw("scroll", {"direction": "down"}, w, h), to_aitw("scroll", {"direction": "up"}, w, h)
    left = to_aitw("scroll", {"direction": "left"}, w, h)
    assert aitw_match(down, up, []) and not strict_match(down, up, [])  # AITW ignores the sign
    assert not aitw_match(down, left, []) and not aitw_match(down, tap(500, 500), [])
    typed, other = to_aitw("input_text", {"text": "Hi"}, w, h), to_aitw("input_text", {"text": "Bye"}, w, h)
    assert (
        aitw_match(typed, other, [])
        and not strict_match(typed, other, [])
        and strict_match(typed, to_aitw("input_text", {"text": " hi "}, w, h), [])
    )
    assert not aitw_match(
        to_aitw("status", {"goal_status": "complete"}, w, h), to_aitw("status", {"goal_status": "infeasible"}, w, h), []
    )


def test_step_tasks_score_oracle_perfectly_and_levels_share_trajectories(tmp_path):
    for task in ("gui-steps", "gui-steps-high", "gui-tasks"):
        out = tmp_path / task
        assert (
            main(
                [
                    "run",
                    "--no-progress",
                    "--no-report",
                    "--tasks",
                    task,
                    "--model",
                    "oracle",
                    "--limit",
                    "6",
                    "--output-dir",
                    str(out),
                ]
            )
            == 0
        )
    low = json.loads((tmp_path / "gui-steps" / "results.json").read_text())
    assert (
        low["results"]["gui-steps"]["step_acc_strict"] == 1.0 and low["results"]["gui-steps"]["episode_acc_aitw"] == 1.0
    )
    assert json.loads((tmp_path / "gui-tasks" / "results.json").read_text())["results"]["gui-tasks"]["success"] == 1.0
    read = lambda t: sorted(
        (
            json.loads(x)
            for x in (tmp_path / t / "samples" / f"{t}.jsonl").read_text().splitlines()
            if '"type": "turn"' in x
        ),  # noqa: E731
        key=lambda r: (r["index"], r["turn"]),
    )  # episodes finish in any order across workers
    low_turns, high_turns = read("gui-steps"), read("gui-steps-high")
    assert [t["target"]["gold"] for t in low_turns] == [t["target"]["gold"] for t in high_turns]
    assert "Step:" in low_turns[0]["observation"][1]["text"] and "Step:" not in high_turns[0]["observation"][1]["text"]
    assert main(["score", str(tmp_path / "gui-steps")]) == 0  # step-wise scores are recomputable from samples


def test_random_agent_is_near_zero(tmp_path):
    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                "--no-progress",
                "--no-report",
                "--tasks",
                "gui-tasks",
                "--model",
                "random",
                "--limit",
                "10",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    assert json.loads((out / "results.json").read_text())["results"]["gui-tasks"]["success"] <= 0.2


def test_tabs_switch_pages_and_set_of_marks_accepts_element_indices():
    env = gym.make("mmturn/GuiTasks-v0", som=True, templates=("ClockCountOn",)).unwrapped
    obs, info = env.reset(seed=0)
    assert "index" in obs["parts"][-1].text
    obs, _, _, _, info = env.step(info["hints"].oracle_reply)  # open Clock
    tree = json.loads(obs["a11y"])
    tab = next(n["index"] for n in tree if n["text"] == "Clock" and n["resource_id"].endswith("tab_1"))
    obs, _, _, _, info = env.step(json.dumps({"action_type": "click", "index": tab}))
    assert info["action"]["args"]["index"] == tab
    rows = [n["text"] for n in json.loads(obs["a11y"]) if n["class_name"].endswith("LinearLayout")]
    assert set(rows) == set(env.device.apps["clock"].cities)  # the world-clock tab
    plain = Device(env.device.apps, theme=env.device.theme)
    plain.open_app("clock")
    red = lambda img: ((img[..., 0] > 200) & (img[..., 1] < 60) & (img[..., 2] < 60)).sum()  # noqa: E731
    assert red(plain.screenshot()) == 0 and red(plain.screenshot(marks=True)) > 10_000  # boxes and numbered labels
