"""Runner, logs and CLI: results and samples on disk, resume after kill -9, repeats, re-scoring."""

import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mmturn.tasks.cli import main
from mmturn.tasks.logs import RunDir


def run_cli(*args) -> int:
    return main(["run", "--no-progress", "--no-report", *args])


def metrics(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())["results"]


def test_oracle_scores_perfectly_and_writes_results_samples_images(tmp_path):
    out = tmp_path / "o"
    assert run_cli("--tasks", "mmmt-if", "--model", "oracle", "--limit", "3", "--output-dir", str(out)) == 0
    res = json.loads((out / "results.json").read_text())
    m = res["results"]["mmmt-if"]
    assert m["pif"] == 1.0 and m["accuracy"] == 1.0 and m["prompt_strict"] == 1.0 and m["inst_loose"] == 1.0
    conf = res["config"]
    assert conf["tasks"]["mmmt-if"]["version"] == "1.1" and conf["seed"] == 0 and conf["versions"]["gymnasium"]
    assert res["counts"]["mmmt-if"] == {"asked": 3, "episodes": 3, "turns": 60, "errors": 0, "cached": 0}
    lines = [json.loads(x) for x in (out / "samples" / "mmmt-if.jsonl").read_text().splitlines()]
    turns = [r for r in lines if r["type"] == "turn"]
    assert len(turns) == 60 and {r["type"] for r in lines} == {"turn", "episode"}
    refs = [p["image"] for r in turns for p in r["observation"] if "image" in p]
    assert len(refs) == len(set(refs))  # each image logged once, at the turn that shows it
    assert sorted(p.stem for p in (out / "images").glob("*.png")) == sorted(set(refs))
    assert all("hints" not in r and "oracle_reply" not in json.dumps(r) for r in turns)


def test_baselines_separate(tmp_path):
    for model in ("random", "forgetful"):
        assert (
            run_cli("--tasks", "mmmt-if", "--model", model, "--limit", "4", "--output-dir", str(tmp_path / model)) == 0
        )
    rnd, fgt = metrics(tmp_path / "random")["mmmt-if"], metrics(tmp_path / "forgetful")["mmmt-if"]
    assert rnd["accuracy"] < 0.35 and rnd["pif"] < 0.6
    assert fgt["accuracy"] == 1.0 and fgt["pif"] < 0.8
    curve = json.loads((tmp_path / "forgetful" / "results.json").read_text())["curves"]["mmmt-if"]["pif"]
    assert curve[0] == 1.0 and sum(curve[-5:]) / 5 < 0.75  # PIF falls with the turn index


def test_repeats_give_pif_n_k(tmp_path):
    out = tmp_path / "r"
    assert (
        run_cli("--tasks", "mmmt-if", "--model", "random", "--limit", "2", "--repeats", "3", "--output-dir", str(out))
        == 0
    )
    m = metrics(out)["mmmt-if"]
    assert m["pif_3_1"] >= m["pif_3_2"] >= m["pif_3_3"]
    o = tmp_path / "o"
    assert (
        run_cli("--tasks", "mmmt-if", "--model", "oracle", "--limit", "2", "--repeats", "2", "--output-dir", str(o))
        == 0
    )
    assert metrics(o)["mmmt-if"]["pif_2_2"] == 1.0


def test_score_recomputes_from_samples_without_the_model(tmp_path):
    out = tmp_path / "s"
    assert run_cli("--tasks", "mmmt-if", "--model", "forgetful", "--limit", "2", "--output-dir", str(out)) == 0
    before = json.loads((out / "results.json").read_text())
    stripped = {"config": before["config"]}  # only the configuration survives: metrics must come from the samples
    (out / "results.json").write_text(json.dumps(stripped))
    assert main(["score", str(out)]) == 0
    assert metrics(out) == before["results"]


def test_unknown_names_and_bad_args_are_one_line_errors(tmp_path, capsys):
    assert run_cli("--tasks", "nope", "--model", "oracle", "--output-dir", str(tmp_path / "a")) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err
    assert run_cli("--tasks", "mmmt-if", "--model", "gpt9", "--output-dir", str(tmp_path / "b")) == 2
    assert "unknown model 'gpt9'" in capsys.readouterr().err
    assert (
        run_cli(
            "--tasks", "mmmt-if", "--model", "random", "--model-args", "bogus=1", "--output-dir", str(tmp_path / "c")
        )
        == 2
    )
    assert "does not take bogus" in capsys.readouterr().err
    assert run_cli("--tasks", "dialogue-jsonl", "--model", "oracle", "--output-dir", str(tmp_path / "d")) == 2
    assert "needs --task-args path=" in capsys.readouterr().err


def test_existing_run_needs_resume(tmp_path, capsys):
    out = str(tmp_path / "x")
    assert run_cli("--tasks", "mmmt-if", "--model", "oracle", "--limit", "1", "--output-dir", out) == 0
    assert run_cli("--tasks", "mmmt-if", "--model", "oracle", "--limit", "1", "--output-dir", out) == 2
    assert "--resume" in capsys.readouterr().err


def test_torn_last_line_is_redone_on_resume(tmp_path):
    out = tmp_path / "t"
    args = ["--tasks", "mmmt-if", "--model", "oracle", "--limit", "3", "--output-dir", str(out)]
    assert run_cli(*args) == 0
    clean = metrics(out)
    path = out / "samples" / "mmmt-if.jsonl"
    data = path.read_bytes().rstrip(b"\n")
    cut = data.rfind(b"\n")
    path.write_bytes(data[: cut + 1] + data[cut + 1 : cut + 30])  # the last record (episode 2's end) torn
    records = RunDir(out).read("mmmt-if")
    assert sum(r["type"] == "episode" for r in records) == 2
    assert run_cli(*args, "--resume") == 0
    assert metrics(out) == clean
    lines = path.read_text().splitlines()
    assert all(json.loads(x) for x in lines)


@pytest.mark.slow
def test_kill_9_at_20_random_moments_then_resume_gives_identical_metrics(tmp_path):
    """kill -9 at 20 random moments: during start-up, episodes, and (the last five) while results.json and
    report.html are written. After every kill the result files are whole or absent; the final --resume
    gives the uninterrupted run's metrics."""
    base = ["--tasks", "mmmt-if,mmmt-if-reminder", "--model", "forgetful", "--limit", "4"]
    started = time.perf_counter()
    assert main(["run", "--no-progress", *base, "--output-dir", str(tmp_path / "clean")]) == 0
    span = time.perf_counter() - started
    clean = metrics(tmp_path / "clean")
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "mmturn.tasks.cli", "run", "--no-progress", *base, "--output-dir", str(out)]
    rng = random.Random(7)
    late_kills = 0
    for k in range(20):
        proc = subprocess.Popen(
            cmd + (["--resume"] if (out / "samples").exists() else []), stderr=subprocess.PIPE, text=True
        )
        if k >= 15:  # once every episode is logged only results.json and the report are left to write
            while _done_episodes(out) < 8 and proc.poll() is None:
                threading.Event().wait(0.02)
            late_kills += proc.poll() is None
            delay = rng.uniform(0.0, 1.5)
        else:
            delay = rng.uniform(0.2, span + 2.0)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for name in ("results.json", "report.html"):
            if (out / name).exists():  # atomic: whole or absent, never a prefix
                text = (out / name).read_text()
                assert json.loads(text) if name.endswith(".json") else text.rstrip().endswith("</html>")
    assert late_kills >= 1
    assert main(["run", "--no-progress", *base, "--output-dir", str(out), "--resume"]) == 0
    assert metrics(out) == clean
    counts = json.loads((out / "results.json").read_text())["counts"]
    assert counts["mmmt-if"]["episodes"] == 4 and counts["mmmt-if-reminder"]["episodes"] == 4


def _done_episodes(out: Path) -> int:
    if not (out / "samples").exists():
        return 0
    return sum(
        line.count('"status": "done"') for f in (out / "samples").glob("*.jsonl") for line in f.read_text().splitlines()
    )


@pytest.mark.slow
def test_no_argument_run_writes_every_baseline_and_a_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-progress", "--limit", "1"]) == 0
    runs = list((tmp_path / "mmturn-out").iterdir())
    assert len(runs) == 1
    root = runs[0]
    assert {p.name for p in root.iterdir() if p.is_dir()} == {
        "oracle",
        "random",
        "forgetful",
        "ocr",
        "forward",
        "identity",
    }
    assert (root / "report.html").exists()
    assert (
        metrics(root / "oracle")["mmmt-if"]["pif"] == 1.0
        and metrics(root / "oracle")["gui-grounding"]["accuracy"] == 1.0
    )
    assert set(metrics(root / "ocr")) == {"gui-grounding"} and set(metrics(root / "forgetful")) == {
        "mmmt-if",
        "mmmt-if-reminder",
    }
    assert (
        metrics(root / "oracle")["vln-miniworld"]["success"] == 1.0
        and metrics(root / "oracle")["edit-multiturn"]["follow"] == 1.0
    )
    assert set(metrics(root / "identity")) == {"edit-multiturn"}
    assert set(metrics(root / "forward")) == {"vln-miniworld", "vln-dialog-miniworld", "imagenav-miniworld"}


def test_list_names_everything(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in (
        "mmmt-if",
        "mmmt-if-reminder",
        "dialogue-jsonl",
        "mmturn/ImageDialogue-v0",
        "openai",
        "hf",
        "oracle",
        "forgetful",
    ):
        assert name in out


@pytest.mark.slow
def test_hung_env_is_cut_off_replayed_and_a_permanent_hang_resumed(tmp_path, monkeypatch):
    from mmturn.tasks.registry import PLUGINS_VAR

    monkeypatch.setenv(PLUGINS_VAR, "")
    marker = tmp_path / "hang"
    monkeypatch.setenv("MMTURN_TEST_HANG", str(marker))
    args = [
        "--plugins",
        "hang_plugin",
        "run",
        "--no-progress",
        "--no-report",
        "--tasks",
        "hanging-dialogue",
        "--model",
        "oracle",
        "--limit",
        "3",
        "--env-timeout",
        "4",
        "--workers",
        "2",
    ]
    marker.write_text("once")
    assert main(args + ["--output-dir", str(tmp_path / "once")]) == 0
    res = json.loads((tmp_path / "once" / "results.json").read_text())
    assert (
        res["counts"]["hanging-dialogue"] == {"asked": 3, "episodes": 3, "turns": 12, "errors": 0, "cached": 0}
        and res["results"]["hanging-dialogue"]["pif"] == 1.0
    )
    records = [
        json.loads(x) for x in (tmp_path / "once" / "samples" / "hanging-dialogue.jsonl").read_text().splitlines()
    ]
    assert [r["index"] for r in records if r.get("status") == "error" and "WorkerHung" in r["error"]] == [1]
    marker.write_text("always")
    assert main(args + ["--output-dir", str(tmp_path / "always"), "--max-errors", "1"]) == 0
    res = json.loads((tmp_path / "always" / "results.json").read_text())
    assert (
        res["counts"]["hanging-dialogue"]["errors"] == 1
        and "took longer than 4.0 s" in res["errors"]["hanging-dialogue"][0]["error"]
    )
    marker.unlink()
    assert main(args + ["--output-dir", str(tmp_path / "always"), "--resume"]) == 0
    assert json.loads((tmp_path / "always" / "results.json").read_text())["counts"]["hanging-dialogue"]["errors"] == 0
