"""Numbers with error bars: every metric of every task carries a reproducible 95% bootstrap interval (over
episodes) and a standard error; ``mmturn compare`` pairs two runs' episodes and gives paired differences
with intervals and permutation p-values; the report of a folder of runs shows each pair's difference."""

from __future__ import annotations

import json

import pytest

from mmturn.tasks.cli import main

BASE = ["run", "--no-progress", "--no-report", "--executor", "inline"]


def run(out, model: str, tasks: str, limit: str, *extra: str) -> dict:
    assert main([*BASE, "--tasks", tasks, "--model", model, "--limit", limit, "--output-dir", str(out), *extra]) == 0
    return json.loads((out / "results.json").read_text())


def test_every_metric_has_an_interval_around_it_and_a_standard_error(tmp_path, capsys):
    results = run(tmp_path / "r", "random", "mmmt-if,gui-tasks", "6")
    for task, metrics in results["results"].items():
        numeric = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        assert set(numeric) == set(results["ci"][task]) == set(results["stderr"][task]), task
        for k, v in numeric.items():
            lo, hi = results["ci"][task][k]
            assert lo <= v + 1e-9 and v <= hi + 1e-9 and results["stderr"][task][k] >= 0, (task, k)
    assert " [" in capsys.readouterr().out  # the summary line shows them: accuracy=0.210 [0.150, 0.270]
    again = run(tmp_path / "again", "random", "mmmt-if,gui-tasks", "6")
    assert again["ci"] == results["ci"]  # a fixed seed: the same interval every time
    dialogue = run(tmp_path / "d", "random", "mmmt-if", "6")
    assert main(["score", str(tmp_path / "d")]) == 0  # rescoring the samples gives the same intervals
    assert json.loads((tmp_path / "d" / "results.json").read_text())["ci"] == dialogue["ci"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name, model, seed in (
        ("oracle", "oracle", "0"),
        ("random", "random", "0"),
        ("rerun", "random", "0"),
        ("other", "random", "5"),
    ):
        run(root / name, model, "mmmt-if", "6", "--seed", seed)
    return root


def compare(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["compare", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_oracle_beats_random_with_an_interval_that_excludes_zero(runs, capsys):
    stats = compare(capsys, str(runs / "oracle"), str(runs / "random"))
    accuracy = stats["mmmt-if"]["accuracy"]
    assert stats["paired"] and accuracy["n"] == 6 and accuracy["a"] == 1.0
    assert accuracy["diff"] == pytest.approx(accuracy["b"] - accuracy["a"]) and accuracy["diff"] < 0
    assert accuracy["ci"][1] < 0 and accuracy["p"] < 0.05


def test_a_run_against_its_rerun_differs_by_exactly_zero(runs, capsys):
    stats = compare(capsys, str(runs / "random"), str(runs / "rerun"))
    for metric in stats["mmmt-if"].values():
        assert metric["diff"] == 0.0 and metric["ci"] == [0.0, 0.0] and metric["p"] == 1.0


def test_runs_without_shared_episodes_are_refused_unless_unpaired(runs, capsys):
    assert main(["compare", str(runs / "random"), str(runs / "other")]) == 2
    err = capsys.readouterr().err.strip()
    assert "share no episode" in err and "--unpaired" in err and "\n" not in err
    assert main(["compare", str(runs / "random"), str(runs / "other"), "--unpaired"]) == 0
    out = capsys.readouterr().out
    assert "UNPAIRED" in out and "accuracy" in out
    stats = compare(capsys, str(runs / "random"), str(runs / "other"), "--unpaired")
    assert not stats["paired"] and stats["mmmt-if"]["accuracy"]["p"] is None


def test_the_report_of_a_folder_of_runs_shows_paired_differences(runs):
    assert main(["report", str(runs)]) == 0
    html = (runs / "report.html").read_text()
    assert "difference [95% paired interval]" in html and "random - oracle" in html
