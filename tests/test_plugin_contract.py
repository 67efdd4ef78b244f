"""The extension contract: the README's plugin, taken from the README text, runs through the CLI with the
oracle and random baselines and passes check_plugin_env; abstract methods are enforced; spawned envs
share no mutable state; tasks/ names no family."""

import json
import re
from pathlib import Path

import pytest

from mmturn.tasks.cli import main
from mmturn.tasks.env import DialogueEnv
from mmturn.tasks.registry import register_env
from mmturn.testing import check_plugin_env

ROOT = Path(__file__).resolve().parents[1]


def readme_plugin() -> str:
    text = (ROOT / "README.md").read_text()
    return re.search(r"<!-- plugin-example -->\n```python\n(.*?)```", text, re.S).group(1)


def test_the_readme_plugin_runs_through_the_cli_and_passes_the_checks(tmp_path, monkeypatch):
    code = readme_plugin()
    assert len(code.strip().splitlines()) <= 32
    (tmp_path / "count_squares.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))  # worker processes inherit sys.path
    monkeypatch.setenv("MMTURN_PLUGINS", "")
    for model in ("oracle", "random"):
        assert (
            main(
                [
                    "--plugins",
                    "count_squares",
                    "run",
                    "--no-progress",
                    "--tasks",
                    "count-squares",
                    "--model",
                    model,
                    "--limit",
                    "4",
                    "--output-dir",
                    str(tmp_path / model),
                ]
            )
            == 0
        )
    oracle = json.loads((tmp_path / "oracle" / "results.json").read_text())
    random = json.loads((tmp_path / "random" / "results.json").read_text())
    assert (
        oracle["results"]["count-squares"]["accuracy"] == 1.0 and random["results"]["count-squares"]["accuracy"] < 0.6
    )
    lo, hi = oracle["ci"]["count-squares"]["accuracy"]
    assert lo == hi == 1.0 and len(oracle["curves"]["count-squares"]["accuracy"]) == 3
    assert (tmp_path / "oracle" / "report.html").exists()
    check_plugin_env("mmturn/CountSquares-v0")


def test_an_env_missing_an_abstract_method_cannot_be_registered():
    class Half(DialogueEnv):
        def make_episode(self, options):
            raise NotImplementedError

    with pytest.raises(TypeError, match="does not implement score"):
        register_env("Half-v0")(Half)
    with pytest.raises(TypeError):
        Half()


def test_spawned_envs_are_built_anew_and_share_no_mutable_state():
    from mmturn.testing import make_env

    env = make_env("mmturn/GuiTasks-v0", templates=("SettingsTurnOn",))
    other = env.spawn()
    assert type(other) is type(env) and other is not env and other.__dict__.keys() == env.__dict__.keys()
    env.reset(seed=1)
    other.reset(seed=2)
    assert env.device is not other.device and env.goal is not other.goal


def test_the_core_imports_and_names_no_family():
    for path in (ROOT / "tasks").rglob("*.py"):
        text = path.read_text()
        assert "mmturn.vision" not in text and "mmturn.embodied" not in text, path
