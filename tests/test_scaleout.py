"""Scale-out: envs in worker processes and in Ray actors give the same metrics as in-process envs;
a worker or actor killed mid-episode costs that episode a replay, never the run or its numbers."""

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
from waiting import wait_for_records

from mmturn.tasks.model import make_model
from mmturn.tasks.runner import RunConfig, run


def play(out: Path, task: str, model: str = "random", limit: int = 3, task_args: dict | None = None, **cfg) -> dict:
    config = RunConfig(
        tasks=[task], model=model, task_args=task_args or {}, limit=limit, output_dir=out, progress=False, **cfg
    )
    return asyncio.run(run(config, make_model(model, {})))


def same(a: dict, b: dict) -> bool:
    return a["results"] == b["results"] and a["curves"] == b["curves"] and a["counts"] == b["counts"]


@pytest.mark.slow
def test_local_workers_give_the_inline_metrics(tmp_path):
    inline = play(tmp_path / "inline", "edit-multiturn", limit=4, executor="inline")
    local = play(tmp_path / "local", "edit-multiturn", limit=4, executor="local", workers=2)
    assert same(inline, local)


@pytest.mark.slow
def test_killed_worker_process_replays_its_episode_with_identical_metrics(tmp_path):
    clean = play(tmp_path / "clean", "mmmt-if", limit=6, executor="inline")
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "mmturn.tasks.cli",
        "run",
        "--no-progress",
        "--no-report",
        "--tasks",
        "mmmt-if",
        "--model",
        "random",
        "--limit",
        "6",
        "--workers",
        "2",
        "--output-dir",
        str(out),
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_records(out / "samples" / "mmmt-if.jsonl", 5, proc)
        workers = [c for c in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2
        workers[0].kill()
        assert proc.wait(timeout=300) == 0, proc.stderr.read()[-2000:]
    finally:
        proc.kill()
    records = [json.loads(x) for x in (out / "samples" / "mmmt-if.jsonl").read_text().splitlines()]
    assert any(r["type"] == "episode" and r["status"] == "error" and "WorkerLost" in r["error"] for r in records)
    assert same(json.loads((out / "results.json").read_text()), clean)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    from mmturn.tasks.executors import RAY_SYSTEM_CONFIG

    ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="mmturn", _system_config=RAY_SYSTEM_CONFIG
    )
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_executor_gives_the_local_metrics_on_dialogue_and_navigation(tmp_path, local_ray):
    nav = {"width": 48, "height": 48}
    for task, model, args in (("mmmt-if", "random", None), ("vln-miniworld", "oracle", nav)):
        local = play(tmp_path / f"{task}-local", task, model, limit=2, task_args=args, executor="local", workers=2)
        on_ray = play(tmp_path / f"{task}-ray", task, model, limit=2, task_args=args, executor="ray", workers=2)
        assert same(local, on_ray), task
    assert on_ray["results"]["vln-miniworld"]["success"] == 1.0


@pytest.mark.slow
def test_killed_ray_actor_mid_episode_is_retried_with_identical_metrics(tmp_path, local_ray):
    from ray.util import list_named_actors

    clean = play(tmp_path / "clean", "mmmt-if", limit=4, executor="inline")
    out = tmp_path / "ray"
    killed = []

    def kill_one() -> None:
        wait_for_records(out / "samples" / "mmmt-if.jsonl", 5)
        name = sorted(
            a["name"] for a in list_named_actors(all_namespaces=True) if a["name"].startswith("mmturn-env-mmmt-if")
        )[0]
        local_ray.kill(local_ray.get_actor(name, namespace="mmturn"), no_restart=False)
        killed.append(name)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    on_ray = play(out, "mmmt-if", limit=4, executor="ray", workers=2)
    killer.join(timeout=60)
    assert killed
    records = [json.loads(x) for x in (out / "samples" / "mmmt-if.jsonl").read_text().splitlines()]
    assert any(r["type"] == "episode" and r["status"] == "error" and "WorkerLost" in r["error"] for r in records)
    assert same(on_ray, clean)


@pytest.mark.slow
def test_model_replicas_as_ray_actors(tmp_path, local_ray, tiny_qwen):
    from mmturn.tasks.cli import main

    local = play(tmp_path / "local", "mmmt-if", limit=3, executor="local", workers=2)
    args = ["run", "--no-progress", "--no-report", "--tasks", "mmmt-if", "--executor", "ray", "--workers", "2"]
    assert (
        main(
            args
            + ["--limit", "3", "--model", "random", "--model-replicas", "2", "--output-dir", str(tmp_path / "replicas")]
        )
        == 0
    )
    replicated = json.loads((tmp_path / "replicas" / "results.json").read_text())
    assert same(local, replicated) and replicated["config"]["model_config"]["replicas"] == 2
    hf = [
        "--model",
        "hf",
        "--model-args",
        f"pretrained={tiny_qwen},max_new_tokens=4",
        "--model-replicas",
        "1",
        "--limit",
        "1",
    ]
    assert main(args + [*hf, "--output-dir", str(tmp_path / "hf")]) == 0
    counts = json.loads((tmp_path / "hf" / "results.json").read_text())["counts"]["mmmt-if"]
    assert counts == {"asked": 1, "episodes": 1, "turns": 20, "errors": 0, "cached": 0}
