"""The web family: MiniWob++ tasks in headless Chromium. The oracle (DOM and task fields) solves its
subset and random does not; the env passes gymnasium's checker and hostile replies; seeds replay task
instances; screenshot points map back to the page at any scale and in every action format; a crashed
browser costs one episode; and no browser or driver outlives a run, also when the runner is killed -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import psutil
import pytest
from waiting import wait_for_records

from mmturn.embodied.web.browser import BrowserError
from mmturn.embodied.web.oracle import SOLVERS
from mmturn.embodied.web.tasks_list import LEFT_OUT, all_tasks
from mmturn.tasks.cli import main
from mmturn.tasks.registry import TASKS, load_builtins
from mmturn.testing import check_plugin_env

BROWSER_NAMES = ("chromium", "chromedriver", "chrome")


def browsers_below(pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(pid).children(recursive=True) if p.name().startswith(BROWSER_NAMES)]


def run(out, model: str, *extra: str) -> dict:
    args = ["run", "--no-progress", "--no-report", "--executor", "inline", "--tasks", "miniwob", "--model", model]
    assert main([*args, "--output-dir", str(out), *extra]) == 0
    return json.loads((out / "results.json").read_text())


def make(**kwargs):
    load_builtins()
    return TASKS.get("miniwob").make_env(kwargs)


def test_the_oracle_solves_its_subset_and_random_does_not(tmp_path):
    n = str(len(SOLVERS))  # one episode of each task
    oracle = run(tmp_path / "oracle", "oracle", "--task-args", "subset=oracle", "--limit", n)["results"]["miniwob"]
    random = run(tmp_path / "random", "random", "--task-args", "subset=oracle", "--limit", n)["results"]["miniwob"]
    assert len(SOLVERS) >= 20 and oracle["success"] >= 0.95 and oracle["valid_actions"] == 1.0
    assert random["success"] <= 0.3
    assert not browsers_below(os.getpid())  # the run's browser is gone with its envs


@pytest.mark.parametrize(("fmt", "scale"), [("qwen25vl", 2.0), ("uitars", 3.0), ("qwen3vl", 1.5)])
def test_the_oracle_speaks_every_action_format_at_any_scale(tmp_path, fmt, scale):
    """Typing formats tap the field first; points in each format's frame map back to CSS pixels exactly."""
    tasks = 'tasks=\'["click-button", "enter-password", "click-checkboxes", "click-link"]\''
    results = run(tmp_path, "oracle", "--task-args", f"action_format={fmt},scale={scale},{tasks}", "--limit", "4")
    assert results["results"]["miniwob"]["success"] == 1.0
    assert results["facts"]["miniwob"]["action_format"] == fmt


def test_env_checker_and_hostile_replies():
    check_plugin_env("mmturn/MiniWob-v0", hostile_steps=60, subset="sample")


def test_a_seed_replays_its_task_instance():
    env = make(tasks=("enter-text",))
    first = [env.reset(seed=s, options={"index": 0})[0]["parts"] for s in (7, 7, 8)]
    texts = [p[1].text for p in first]
    assert texts[0] == texts[1] and np.array_equal(first[0][0].image, first[1][0].image)
    assert texts[0] != texts[2]
    assert first[0][0].image.shape == (630, 480, 3)  # MiniWob's 160x210 task area at scale 3
    env.close()


def test_set_of_marks_lists_elements_and_accepts_an_index():
    env = make(tasks=("click-button",), som=True)
    obs, _ = env.reset(seed=3, options={"index": 0})
    text = obs["parts"][1].text
    wanted = text.split('"')[1]  # Click on the "X" button.
    line = next(line for line in text.splitlines() if line.startswith("[") and line.endswith(f"button {wanted!r}"))
    index = int(line[1 : line.index("]")])
    _, _, terminated, _, info = env.step(json.dumps({"action_type": "click", "index": index}))
    assert terminated and info["scores"]["success"] == 1.0
    env.close()


def test_a_crashed_browser_costs_the_episode_and_the_next_one_starts_afresh():
    env = make(tasks=("click-test",))
    env.reset(seed=1, options={"index": 0})
    os.killpg(os.getpgid(env.tab.browser.driver.service.process.pid), signal.SIGKILL)
    with pytest.raises(BrowserError):  # a WorkerLost: the runner replays the episode
        env.step('{"action_type": "click", "x": 240, "y": 390}')
    _, info = env.reset(seed=1, options={"index": 0})
    _, _, terminated, _, info = env.step(info["hints"].oracle_reply)
    assert terminated and info["scores"]["success"] == 1.0
    env.close()
    assert not browsers_below(os.getpid())


def test_left_out_tasks_are_named_with_a_reason():
    assert not set(LEFT_OUT) & set(all_tasks()) and all(LEFT_OUT.values())
    with pytest.raises(ValueError, match="drag-box: needs a drag"):
        make(tasks=("drag-box",))
    with pytest.raises(ValueError, match="subset must be one of all, oracle, sample"):
        make(subset="most")


@pytest.mark.slow
def test_no_browser_outlives_a_runner_killed_with_minus_9(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\nfrom mmturn.tasks.cli import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
    )
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, str(script), "run", "--no-progress", "--tasks", "miniwob", "--model", "random"]
        + ["--task-args", "subset=oracle", "--limit", "200", "--workers", "2", "--output-dir", str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_records(out / "samples" / "miniwob.jsonl", 4, proc)
    browsers = browsers_below(proc.pid)
    assert any(p.name() == "chromedriver" for p in browsers) and any(p.name() != "chromedriver" for p in browsers)
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs(browsers, timeout=60)
    assert not alive, [p.cmdline()[:2] for p in alive]


@pytest.mark.slow
def test_runs_on_ray(tmp_path):
    results = json.loads(
        (tmp_path / "ray" / "results.json").read_text()
        if main(
            ["run", "--no-progress", "--no-report", "--executor", "ray", "--workers", "2", "--tasks", "miniwob"]
            + [
                "--model",
                "oracle",
                "--task-args",
                "subset=sample",
                "--limit",
                "4",
                "--output-dir",
                str(tmp_path / "ray"),
            ]
        )
        == 0
        else "{}"
    )
    assert results["results"]["miniwob"]["success"] == 1.0
