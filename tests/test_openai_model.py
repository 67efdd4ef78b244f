"""The ``openai`` adapter against a local fault-injecting server and a real ``transformers serve``."""

import asyncio
import json
import logging
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from mmturn.tasks.cli import main
from mmturn.tasks.model import ModelError
from mmturn.tasks.models.openai_chat import OpenAIChat
from mmturn.tasks.types import Message, Part, Request
from mmturn.testing.fake_openai import FakeOpenAIServer, ServerState, decode_data_uri


def model(server, **kw) -> OpenAIChat:
    return OpenAIChat(
        model="fake",
        base_url=server.base_url,
        cache=kw.pop("cache", None),
        backoff_initial=0.01,
        backoff_max=0.05,
        **kw,
    )


def ask(m: OpenAIChat, *requests: Request):
    async def go():
        try:
            return await asyncio.gather(*[m.respond(r) for r in requests])
        finally:
            await m.aclose()

    return asyncio.run(go())


def image(h=20, w=30, value=None):
    rng = np.random.default_rng(h * w)
    return Part.of_image(
        rng.integers(0, 256, (h, w, 3), dtype=np.uint8) if value is None else np.full((h, w, 3), value, np.uint8)
    )


def test_interleaved_parts_and_history_are_sent_in_order():
    a, b = image(20, 30), image(40, 10)
    messages = [
        Message("user", (Part.of_text("first"), a, Part.of_text("mid"), b)),
        Message("assistant", (Part.of_text("ok"),)),
        Message("user", (Part.of_text("again"), a)),
    ]
    with FakeOpenAIServer() as server:
        (reply,) = ask(model(server), Request(messages, seed=1))
        body = server.state.requests[0]
    assert reply.text.startswith("seen 3 images (30x20 10x40 30x20)") and reply.input_tokens == 11
    user = body["messages"][0]["content"]
    assert [c["type"] for c in user] == ["text", "image_url", "text", "image_url"]
    assert np.array_equal(decode_data_uri(user[1]["image_url"]["url"]), a.image)
    assert body["messages"][1] == {"role": "assistant", "content": "ok"}
    assert body["temperature"] == 0.0 and "seed" not in body


def test_retries_429_500_503_timeouts_and_malformed_then_succeeds():
    state = ServerState(faults=["429", "500", "503", "slow", "malformed", "empty"], slow_s=2.0)
    with FakeOpenAIServer(state) as server:
        started = time.perf_counter()
        (reply,) = ask(model(server, timeout=0.5), Request([Message("user", (Part.of_text("q"),))], seed=0))
        elapsed = time.perf_counter() - started
    assert reply.text.startswith("seen 0 images") and reply.error is None
    assert len(state.requests) == 7
    assert elapsed >= 0.3 + 0.5  # Retry-After of the 429 and the cut-off slow request were both waited out


def test_client_errors_are_not_retried_and_giving_up_is_a_model_error():
    with FakeOpenAIServer(ServerState(faults=["400"])) as server:
        with pytest.raises(ModelError, match="HTTP 400"):
            ask(model(server), Request([Message("user", (Part.of_text("q"),))], seed=0))
        assert len(server.state.requests) == 1
    with FakeOpenAIServer(ServerState(faults=["500"] * 5)) as server:
        with pytest.raises(ModelError, match="gave up after 3 attempts"):
            ask(model(server, max_retries=2), Request([Message("user", (Part.of_text("q"),))], seed=0))


def test_finish_reasons_are_recorded():
    with FakeOpenAIServer(ServerState(faults=["content_filter", "length"])) as server:
        replies = ask(
            model(server, max_connections=1),
            *[Request([Message("user", (Part.of_text(f"q{i}"),))], seed=i) for i in range(2)],
        )
    assert sorted(r.error for r in replies) == ["finish_reason=content_filter", "finish_reason=length"]


def test_cache_is_keyed_by_the_exact_request(tmp_path):
    cache = str(tmp_path / "cache.sqlite")
    req = Request([Message("user", (Part.of_text("q"), image()))], seed=3)
    with FakeOpenAIServer() as server:
        (first,) = ask(model(server, cache=cache), req)
        (second,) = ask(model(server, cache=cache), req)
        (other,) = ask(model(server, cache=cache), Request(req.messages, seed=3, sample_index=1))
        assert len(server.state.requests) == 2
    assert not first.cached and second.cached and second.text == first.text and not other.cached


def test_max_connections_bounds_requests_in_flight():
    state = ServerState(latency_s=0.05)
    with FakeOpenAIServer(state) as server:
        replies = ask(
            model(server, max_connections=4),
            *[Request([Message("user", (Part.of_text(str(i)),))], seed=i) for i in range(24)],
        )
    assert len(replies) == 24 and state.peak_in_flight == 4


def test_api_key_is_sent_but_never_written(tmp_path, monkeypatch, capfd, caplog):
    """Chat and images-edit adapters: the key reaches the server, and no output file, cache or log line."""
    secret = "sk-test-" + "9f3b7c2a" * 4
    monkeypatch.setenv("MMTURN_TEST_KEY", secret)
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "run"
    with FakeOpenAIServer() as server:
        for model, task in (("openai", "mmmt-if"), ("openai-images", "edit-multiturn")):
            code = main(
                [
                    "--log-level",
                    "DEBUG",
                    "run",
                    "--no-progress",
                    "--tasks",
                    task,
                    "--model",
                    model,
                    "--limit",
                    "1",
                    "--model-args",
                    f"model=fake,base_url={server.base_url},api_key_env=MMTURN_TEST_KEY,cache={tmp_path / 'c.sqlite'}",
                    "--output-dir",
                    str(out / model),
                ]
            )
            assert code == 0
        assert {h["authorization"] for h in server.state.headers} == {f"Bearer {secret}"}
    printed = capfd.readouterr()
    assert secret not in printed.out + printed.err + caplog.text and "HTTP Request" in caplog.text  # DEBUG logs were on
    for path in list(out.rglob("*")) + [tmp_path / "c.sqlite"]:
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    res = json.loads((out / "openai" / "results.json").read_text())
    assert res["counts"]["mmmt-if"]["turns"] == 20 and res["results"]["mmmt-if"]["accuracy"] < 0.5


def test_server_failures_error_the_episode_and_resume_redoes_it(tmp_path):
    out = str(tmp_path / "run")
    args = [
        "run",
        "--no-progress",
        "--no-report",
        "--tasks",
        "mmmt-if",
        "--limit",
        "2",
        "--max-errors",
        "5",
        "--model",
        "openai",
    ]
    with FakeOpenAIServer(ServerState(faults=["500"] * 3)) as server:
        margs = f"model=fake,base_url={server.base_url},cache=none,max_retries=1,backoff_initial=0.01,max_connections=1"
        assert main(args + ["--model-args", margs, "--output-dir", out]) == 0
        res = json.loads((tmp_path / "run" / "results.json").read_text())
        assert res["counts"]["mmmt-if"]["errors"] == 1 and res["counts"]["mmmt-if"]["episodes"] == 1
        assert main(args + ["--model-args", margs, "--output-dir", out, "--resume"]) == 0
    res = json.loads((tmp_path / "run" / "results.json").read_text())
    assert res["counts"]["mmmt-if"] == {"asked": 2, "episodes": 2, "turns": 40, "errors": 0, "cached": 0}


@pytest.mark.slow
def test_300_requests_with_30_percent_faults_record_every_turn_and_the_fault_free_metrics(tmp_path):
    rng = random.Random(0)
    kinds = ("429", "500", "503", "timeout", "drop", "slow", "malformed", "empty", "content_filter", "length")
    faults = [rng.choice(kinds) if rng.random() < 0.3 else "none" for _ in range(300)]
    args = ["run", "--no-progress", "--no-report", "--tasks", "mmmt-if", "--limit", "15", "--model", "openai"]
    outcomes = {}
    for name, injected in (("clean", []), ("faulty", faults)):
        state = ServerState(faults=list(injected), slow_s=0.2, timeout_s=3.0)
        with FakeOpenAIServer(state) as server:
            margs = (
                f"model=fake,base_url={server.base_url},cache=none,timeout=1.0,max_retries=10,"
                "backoff_initial=0.01,backoff_max=0.2"
            )
            assert main(args + ["--model-args", margs, "--output-dir", str(tmp_path / name)]) == 0
        outcomes[name] = (json.loads((tmp_path / name / "results.json").read_text()), len(state.requests))
    (clean, n_clean), (faulty, n_faulty) = outcomes["clean"], outcomes["faulty"]
    retried = sum(f in ("429", "500", "503", "timeout", "drop", "malformed", "empty") for f in faults)
    assert n_clean >= 300 and n_faulty >= 300 + retried and retried > 40  # each retryable fault cost one more request
    assert (
        faulty["counts"]
        == clean["counts"]
        == {"mmmt-if": {"asked": 15, "episodes": 15, "turns": 300, "errors": 0, "cached": 0}}
    )
    assert faulty["results"] == clean["results"] and faulty["curves"] == clean["curves"]
    turns = [
        json.loads(x)
        for x in (tmp_path / "faulty" / "samples" / "mmmt-if.jsonl").read_text().splitlines()
        if '"type": "turn"' in x
    ]
    recorded = sorted(t["model_error"] for t in turns if t["model_error"])
    assert recorded == sorted(
        f"finish_reason={k}" for k in ("content_filter", "length") for _ in range(faults.count(k))
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_qwen(tiny_qwen):
    # the venv's own CLI, next to its python (the venv need not be activated, so PATH may not hold it)
    beside = Path(sys.executable).parent / "transformers"
    exe = str(beside) if beside.exists() else shutil.which("transformers")
    if exe is None:
        pytest.fail("the `transformers` CLI (transformers[serving]) is a dev dependency and must be installed")
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [exe, "serve", str(tiny_qwen), "--device", "cpu", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(transport=httpx.HTTPTransport(retries=0)) as client:
            deadline = time.monotonic() + 120
            while True:  # readiness probe of an external process: it answers /health once its model is loaded
                try:
                    if client.get(url + "/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"transformers serve did not start: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.25)
        yield url + "/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_real_transformers_serve_runs_a_dialogue_and_gui_tasks_and_matches_local_hf(served_qwen, tiny_qwen, tmp_path):
    out = tmp_path / "served"
    code = main(
        [
            "run",
            "--no-progress",
            "--no-report",
            "--tasks",
            "mmmt-if,gui-tasks",
            "--model",
            "openai",
            "--limit",
            "1",
            "--model-args",
            f"model={tiny_qwen},base_url={served_qwen},cache=none,max_tokens=12",
            "--output-dir",
            str(out),
        ]
    )
    assert code == 0
    res = json.loads((out / "results.json").read_text())
    assert res["counts"]["mmmt-if"] == {"asked": 1, "episodes": 1, "turns": 20, "errors": 0, "cached": 0}
    assert (
        res["counts"]["gui-tasks"]["episodes"] == 1 and res["counts"]["gui-tasks"]["turns"] >= 10
    )  # garbage replies use the budget
    first = json.loads((out / "samples" / "mmmt-if.jsonl").read_text().splitlines()[0])
    assert first["input_tokens"] > 0 and first["reply"]
    from mmturn.tasks.models.hf import HFModel

    local = HFModel(str(tiny_qwen), max_new_tokens=12, batch_size=1)
    served = OpenAIChat(model=str(tiny_qwen), base_url=served_qwen, cache=None, max_tokens=12)
    req = Request([Message("user", (image(64, 48), Part.of_text("What is in the image?")))], seed=0)
    (a,) = ask(local, req)
    (b,) = ask(served, req)
    assert a.text == b.text and a.input_tokens == b.input_tokens  # the same weights answer the same through both paths


def test_openai_model_runs_gui_grounding_with_screenshots(tmp_path):
    out = tmp_path / "gui"
    with FakeOpenAIServer() as server:
        code = main(
            [
                "run",
                "--no-progress",
                "--no-report",
                "--tasks",
                "gui-grounding",
                "--model",
                "openai",
                "--limit",
                "1",
                "--model-args",
                f"model=fake,base_url={server.base_url},cache=none",
                "--output-dir",
                str(out),
            ]
        )
        first = server.state.requests[0]["messages"][0]["content"]
    assert code == 0 and [c["type"] for c in first] == ["image_url", "text"]
    assert json.loads((out / "results.json").read_text())["counts"]["gui-grounding"]["turns"] == 5
