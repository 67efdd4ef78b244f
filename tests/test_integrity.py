"""Results you can trust: the reply cache keys on everything that changes a reply, --resume refuses another
experiment, a run folder is locked, baselines of one default run play the same episodes, and secrets
never reach an output."""

import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys

import pytest
from waiting import wait_for_records

from mmturn.tasks import results as results_module
from mmturn.tasks import secrets
from mmturn.tasks.cli import main
from mmturn.tasks.models.openai_chat import OpenAIChat
from mmturn.tasks.records import SCHEMA_VERSION
from mmturn.tasks.types import Message, Part, Request
from mmturn.testing.fake_openai import FakeOpenAIServer, ServerState


def ask(m: OpenAIChat, request: Request):
    async def go():
        try:
            return await m.respond(request)
        finally:
            await m.aclose()

    return asyncio.run(go())


REQUEST = Request([Message("user", (Part.of_text("What is 3+4?"),))], seed=1)


@pytest.mark.parametrize(
    "change",
    [
        {"model": "other-model"},
        {"temperature": 0.7},
        {"max_tokens": 99},
        {"system_prompt": "Be terse."},
        {"top_p": 0.5},
        "base_url",
    ],
)
def test_a_cached_reply_is_reused_only_for_the_same_request_to_the_same_server(tmp_path, change):
    cache = str(tmp_path / "shared.sqlite")
    with FakeOpenAIServer() as first, FakeOpenAIServer() as second:
        base = {"model": "m", "base_url": first.base_url, "cache": cache, "backoff_initial": 0.01}
        assert not ask(OpenAIChat(**base), REQUEST).cached
        assert (
            ask(OpenAIChat(**base), REQUEST).cached and len(first.state.requests) == 1
        )  # the same request: from cache
        changed = {**base, "base_url": second.base_url} if change == "base_url" else {**base, **change}
        reply = ask(OpenAIChat(**changed), REQUEST)
        assert not reply.cached
        assert len(first.state.requests) + len(second.state.requests) == 2  # the server received both requests


def test_history_window_changes_the_cache_key(tmp_path):
    cache = str(tmp_path / "c.sqlite")
    long = Request(
        [Message("user", (Part.of_text("a"),)), Message("assistant", (Part.of_text("b"),)), *REQUEST.messages], seed=1
    )
    with FakeOpenAIServer() as server:
        for request in (long, REQUEST):  # the full history, then the window of the last user turn
            assert not ask(OpenAIChat(model="m", base_url=server.base_url, cache=cache), request).cached
        assert len(server.state.requests) == 2


def test_replies_from_cache_are_counted_in_the_summary_results_and_report(tmp_path, capsys):
    cache = tmp_path / "cache.sqlite"
    with FakeOpenAIServer() as server:
        for name in ("first", "second"):
            args = [
                "run",
                "--no-progress",
                "--tasks",
                "mmmt-if",
                "--model",
                "openai",
                "--limit",
                "1",
                "--output-dir",
                str(tmp_path / name),
                "--model-args",
                f"model=m,base_url={server.base_url},cache={cache}",
            ]
            assert main(args) == 0
        assert len(server.state.requests) == 20  # the second run asked nothing
    printed = capsys.readouterr().out
    assert "0 of 20 replies from cache" in printed and "20 of 20 replies from cache" in printed
    counts = json.loads((tmp_path / "second" / "results.json").read_text())["counts"]["mmmt-if"]
    assert counts["cached"] == counts["turns"] == 20
    assert "20 of 20" in (tmp_path / "second" / "report.html").read_text()


def run_cli(*args: str) -> int:
    try:
        return main(["run", "--no-progress", "--no-report", *args])
    except SystemExit as e:
        return int(e.code)


BASE = ("--tasks", "mmmt-if", "--model", "oracle", "--limit", "2")


@pytest.mark.parametrize(
    "change,field",
    [
        (("--model", "random"), "model"),
        (("--seed", "5"), "seed"),
        (("--tasks", "mmmt-if,mmmt-if-reminder"), "tasks"),
        (("--task-args", "num_turns=4"), "task_args"),
        (("--limit", "1"), "limit"),
        (("--repeats", "2"), "repeats"),
        (("--history", "2"), "history"),
    ],
)
def test_resume_refuses_another_experiment_and_keeps_results(tmp_path, capsys, change, field):
    out = tmp_path / "run"
    assert run_cli(*BASE, "--output-dir", str(out)) == 0
    before = (out / "results.json").read_bytes()
    args = list(BASE)
    flag = args.index(change[0]) if change[0] in args else None
    if flag is not None:
        args[flag + 1] = change[1]
    else:
        args += list(change)
    capsys.readouterr()
    assert run_cli(*args, "--output-dir", str(out), "--resume") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another experiment" in err and field in err
    assert (out / "results.json").read_bytes() == before


def test_resume_accepts_a_larger_limit_and_new_operational_arguments(tmp_path):
    out = tmp_path / "run"
    assert run_cli(*BASE, "--output-dir", str(out)) == 0
    assert run_cli("--tasks", "mmmt-if", "--model", "oracle", "--limit", "3", "--output-dir", str(out), "--resume") == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["mmmt-if"]["episodes"] == 3 and res["config"]["limit"] == 3


def test_resume_of_a_missing_folder_is_an_error_and_a_failed_start_keeps_results(tmp_path, capsys):
    assert run_cli(*BASE, "--output-dir", str(tmp_path / "nope"), "--resume") == 2
    assert "does not exist" in capsys.readouterr().err and not (tmp_path / "nope").exists()
    data = tmp_path / "data.jsonl"
    data.write_text('{"images": [], "turns": [{"question": "2+2?", "answer": 4}]}\n' * 2)
    out = tmp_path / "run"
    args = ("--tasks", "dialogue-jsonl", "--model", "oracle", "--task-args", f"path={data}", "--output-dir", str(out))
    assert run_cli(*args, "--limit", "1") == 0
    before = (out / "results.json").read_bytes()
    data.write_text(
        '{"images": [], "turns": [{"question": "2+2?", "answer": NaN}]}\n' * 2
    )  # broken after the first run
    assert run_cli(*args, "--limit", "2", "--resume") == 2
    assert "field 'turns[0].answer'" in capsys.readouterr().err
    assert (out / "results.json").read_bytes() == before  # a run that played nothing rewrote nothing


def test_fewer_episodes_than_asked_are_said_and_errored_ones_replayed_on_resume(tmp_path, capsys):
    state = ServerState(faults=["400"])  # the first request fails for good: its episode errors
    with FakeOpenAIServer(state) as server:
        margs = f"model=m,base_url={server.base_url},cache=none"
        args = ("--tasks", "mmmt-if", "--model", "openai", "--limit", "3", "--max-errors", "5")
        args += ("--output-dir", str(tmp_path / "r"), "--model-args", margs)
        assert run_cli(*args) == 0
        assert "(2/3 episodes, 1 error, 0 of 40 replies from cache)" in capsys.readouterr().out
        counts = json.loads((tmp_path / "r" / "results.json").read_text())["counts"]["mmmt-if"]
        assert counts == {"asked": 3, "episodes": 2, "errors": 1, "turns": 40, "cached": 0}
        assert run_cli(*args, "--resume") == 0
    counts = json.loads((tmp_path / "r" / "results.json").read_text())["counts"]["mmmt-if"]
    assert counts == {"asked": 3, "episodes": 3, "errors": 0, "turns": 60, "cached": 0}


LOCK_HOLDER = """
import sys
from mmturn.tasks.logs import locked
with locked(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_busy_run_folder_is_refused_until_its_holder_ends(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(*BASE, "--output-dir", str(out)) == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        capsys.readouterr()
        for args in (
            ["run", "--no-progress", *BASE, "--output-dir", str(out)],
            ["run", "--no-progress", *BASE, "--output-dir", str(out), "--resume"],
            ["score", str(out)],
            ["report", str(out)],
        ):
            assert main(args) == 2
            assert f"run in progress (pid {holder.pid})" in capsys.readouterr().err
    finally:
        holder.kill()  # kill -9: the OS releases the lock
        holder.wait()
    assert main(["score", str(out)]) == 0


@pytest.mark.slow
def test_every_baseline_of_the_default_run_plays_the_same_episodes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-progress", "--no-report", "--tasks", "mmmt-if,gui-tasks", "--output-dir", "d"]) == 0
    played: dict[str, dict[str, set]] = {}
    for baseline in ("oracle", "random", "forgetful"):
        for task in ("mmmt-if", "gui-tasks"):
            path = tmp_path / "d" / baseline / "samples" / f"{task}.jsonl"
            if path.exists():
                played.setdefault(task, {})[baseline] = {
                    (r["index"], r["seed"])
                    for r in map(json.loads, path.read_text().splitlines())
                    if r["type"] == "episode"
                }
    assert len(played["mmmt-if"]) == 3 and len(played["gui-tasks"]) == 2  # forgetful plays dialogue only
    for task, by_baseline in played.items():
        assert len({frozenset(s) for s in by_baseline.values()}) == 1, task
    assert (
        len(played["gui-tasks"]["oracle"]) == 8 and len(played["mmmt-if"]["oracle"]) == 3
    )  # each task's own smoke size


def test_a_key_echoed_by_the_server_reaches_no_output(tmp_path, monkeypatch, capfd, caplog):
    secret = "sk-echo-" + "5d1e" * 8
    monkeypatch.setenv("MMTURN_ECHO_KEY", secret)
    out = tmp_path / "run"
    state = ServerState(faults=["401echo"] + ["500echo"] * 3)
    with FakeOpenAIServer(state) as server:
        assert (
            run_cli(
                "--tasks",
                "mmmt-if",
                "--model",
                "openai",
                "--limit",
                "3",
                "--max-errors",
                "5",
                "--output-dir",
                str(out),
                "--model-args",
                f"model=m,base_url={server.base_url},cache=none,api_key_env=MMTURN_ECHO_KEY,max_retries=2,backoff_initial=0.01",
            )
            == 0
        )
        assert main(["report", str(out)]) == 0
    assert {h["authorization"] for h in state.headers} == {f"Bearer {secret}"}
    errors = json.loads((out / "results.json").read_text())["errors"]["mmmt-if"]
    assert len(errors) == 2 and all("Bearer <redacted>" in e["error"] for e in errors)
    printed = capfd.readouterr()
    for path in out.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes() and b"5d1e5d1e" not in path.read_bytes(), path
    assert secret not in printed.out + printed.err + caplog.text


def test_one_redaction_function_serves_every_output():
    assert results_module.redact is secrets.redact
    secrets.register_secret("tok-123456")
    assert (
        secrets.scrub("x tok-123456 y, Authorization: Bearer abc.def")
        == "x <redacted> y, Authorization: Bearer <redacted>"
    )
    assert secrets.redact({"api_key": "v", "auth_token": "w", "model": "tok-123456"}) == {
        "api_key": "<redacted>",
        "auth_token": "<redacted>",
        "model": "<redacted>",
    }


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_keeps_finished_episodes_and_prints_how_to_resume(tmp_path, sig):
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "mmturn.tasks.cli",
        "run",
        "--no-progress",
        "--no-report",
        "--tasks",
        "gui-tasks",
        "--model",
        "random",
        "--limit",
        "40",
        "--workers",
        "2",
        "--output-dir",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    samples = out / "samples" / "gui-tasks.jsonl"
    wait_for_records(samples, 3, proc, kind="episode")
    os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C does: the whole process group, workers included
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert (
        len(lines) == 1
        and lines[0].startswith("interrupted: resume with `mmturn run ")
        and lines[0].endswith("--resume`")
    ), err
    done = json.loads((out / "results.json").read_text())["counts"]["gui-tasks"]["episodes"]
    assert 3 <= done < 40
    resume = shlex.split(lines[0].split("`")[1])[1:]  # the printed command, run as this interpreter's module
    assert (
        subprocess.run([sys.executable, "-m", "mmturn.tasks.cli", *resume], capture_output=True, timeout=300).returncode
        == 0
    )
    assert json.loads((out / "results.json").read_text())["counts"]["gui-tasks"]["episodes"] == 40


def test_records_and_results_carry_a_schema_old_ones_are_read_newer_ones_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_cli(*BASE, "--output-dir", str(out)) == 0
    results = json.loads((out / "results.json").read_text())
    samples = out / "samples" / "mmmt-if.jsonl"
    records = [json.loads(line) for line in samples.read_text().splitlines()]
    assert results["schema_version"] == SCHEMA_VERSION and {r["schema"] for r in records} == {SCHEMA_VERSION}
    # schema 1 (before this field existed): the same fields, no version; score and report read it
    (out / "results.json").write_text(json.dumps({k: v for k, v in results.items() if k != "schema_version"}))
    samples.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "schema"}) + "\n" for r in records))
    assert main(["score", str(out)]) == 0 and main(["report", str(out)]) == 0
    assert json.loads((out / "results.json").read_text())["results"] == results["results"]
    samples.write_text("".join(json.dumps({**r, "schema": 99}) + "\n" for r in records))
    capsys.readouterr()
    assert main(["score", str(out)]) == 2
    assert "written by a newer mmturn (schema 99" in capsys.readouterr().err
