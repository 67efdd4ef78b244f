"""The ``mmturn`` command: list, run, report, score."""
from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from mmturn.tasks.datasets import DatasetError
from mmturn.tasks.model import make_model, parse_model_args
from mmturn.tasks.registry import ENVS, MODELS, PLUGINS_VAR, SCORERS, TASKS, UnknownName, load_builtins
from mmturn.tasks.executors import ensure_ray
from mmturn.tasks.runner import RunConfig, TooManyErrors, run

DEFAULT_OUT = Path("mmturn-out")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mmturn", description="Multi-turn evaluation of vision-language models and agents.")
    p.add_argument("--log-level", default="WARNING", help="DEBUG logs every finished turn")
    p.add_argument("--plugins", help="comma-separated modules that register your own envs, tasks, scorers or models")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("list", help="tasks, envs, models and scorers")
    r = sub.add_parser("run", help="evaluate a model; with no arguments, every built-in task with its offline baselines")
    r.add_argument("--tasks", help="comma-separated task names (default: every built-in task)")
    r.add_argument("--model", help="model name (default: each task's scripted baselines)")
    r.add_argument("--model-args", default="", help="k=v,k2=v2 passed to the model")
    r.add_argument("--task-args", default="", help="k=v,... passed to the task's env (e.g. path=data.jsonl)")
    r.add_argument("--limit", type=int, help="episodes per task")
    r.add_argument("--repeats", type=int, default=1, help="replies sampled per episode (for PIF-N-K)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--max-connections", type=int, help="concurrent model requests (API models)")
    r.add_argument("--output-dir", type=Path, help="run folder (default: mmturn-out/run-<date>-<time>)")
    r.add_argument("--resume", action="store_true", help="complete an interrupted run in --output-dir")
    r.add_argument("--max-errors", type=float, default=0.1, help="errored episodes that abort the run: a fraction (<1) or a count")
    r.add_argument("--history", type=int, help="keep only the last N user turns in the prompt")
    r.add_argument("--turn-timeout", type=float, default=600.0, help="seconds a model may take for one reply (then the episode errors)")
    r.add_argument("--env-timeout", type=float, default=300.0, help="seconds an env call may take before its worker counts as hung")
    r.add_argument("--executor", choices=("inline", "local", "ray"), default="local",
                   help="where envs run: worker processes (local, default), this process (inline) or a Ray cluster (ray)")
    r.add_argument("--workers", type=int, help="env worker processes or Ray actors (default: every core, or every CPU of the Ray cluster)")
    r.add_argument("--ray-address", help="Ray cluster to join: auto, or ray://host:10001 (default: start a local Ray)")
    r.add_argument("--model-replicas", type=int, help="with --executor ray: run the model as N Ray actors (HF weights once per replica)")
    r.add_argument("--gpus-per-replica", type=float, default=0.0, help="GPUs Ray reserves for each model replica")
    r.add_argument("--no-report", action="store_true")
    r.add_argument("--no-progress", action="store_true")
    rep = sub.add_parser("report", help="write report.html for a run directory (or a folder of runs)")
    rep.add_argument("dir", type=Path)
    sc = sub.add_parser("score", help="recompute scores and metrics from stored samples, without calling the model")
    sc.add_argument("dir", type=Path)
    return p


def _list() -> None:
    print("tasks:")
    for name in TASKS.names():
        t = TASKS.get(name)
        print(f"  {name:<18} {t.description} [metrics: {', '.join(t.metric_names)}]")
    print("envs:   " + ", ".join(ENVS.names()))
    print("models: " + ", ".join(MODELS.names()))
    print("scorers: " + (", ".join(SCORERS.names()) or "(none)"))


def _run_one(args: argparse.Namespace, tasks: list[str], model: str, model_args: dict[str, Any], out: Path, limit: int | None) -> dict:
    if args.max_connections is not None and "max_connections" in inspect.signature(MODELS.get(model).__init__).parameters:
        model_args = {**model_args, "max_connections": args.max_connections}
    cfg = RunConfig(
        tasks=tasks, model=model, model_args=model_args, task_args=parse_model_args(args.task_args), limit=limit,
        repeats=args.repeats, seed=args.seed, output_dir=out, resume=args.resume,
        max_errors=args.max_errors, history=args.history, progress=not args.no_progress,
        executor=args.executor, workers=args.workers, ray_address=args.ray_address,
        turn_timeout_s=args.turn_timeout, env_timeout_s=args.env_timeout,
    )
    if args.model_replicas:
        if args.executor != "ray":
            raise ValueError("--model-replicas needs --executor ray")
        from mmturn.tasks.ray_models import ModelReplicas

        ensure_ray(args.ray_address)
        return asyncio.run(run(cfg, ModelReplicas(model, model_args, args.model_replicas, args.gpus_per_replica)))
    return asyncio.run(run(cfg, make_model(model, model_args)))


def _print_results(label: str, results: dict) -> None:
    for task, metrics in results["results"].items():
        shown = "  ".join(f"{k}={v:.3f}" for k, v in metrics.items())
        print(f"{label:<10} {task:<18} {shown}")


def _cmd_run(args: argparse.Namespace) -> int:
    if args.output_dir is None:
        if args.resume:
            raise ValueError("--resume needs the --output-dir of the run to complete")
        args.output_dir = DEFAULT_OUT / time.strftime("run-%Y%m%d-%H%M%S")
    for name in (args.tasks or "").split(","):
        if name:
            TASKS.get(name)
    tasks = args.tasks.split(",") if args.tasks else [n for n in TASKS.names() if TASKS.get(n).builtin]
    model_args = parse_model_args(args.model_args)
    if args.model:
        MODELS.get(args.model)
        results = _run_one(args, tasks, args.model, model_args, args.output_dir, args.limit)
        _print_results(args.model, results)
    else:  # the built-in evaluation: every task with each of its offline baselines, one run folder per baseline
        baselines = sorted({b for t in tasks for b in TASKS.get(t).baselines})
        for baseline in baselines:
            mine = [t for t in tasks if baseline in TASKS.get(t).baselines]
            limit = args.limit or min(TASKS.get(t).smoke_limit for t in mine)
            _print_results(baseline, _run_one(args, mine, baseline, model_args, args.output_dir / baseline, limit))
    if not args.no_report:
        from mmturn.tasks.report import write_report

        print(f"report: {write_report(args.output_dir)}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from mmturn.tasks.rescore import rescore_run

    _print_results("rescored", rescore_run(args.dir))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.plugins:  # set for this process and inherited by worker processes and local Ray actors
        os.environ[PLUGINS_VAR] = ",".join(filter(None, [os.environ.get(PLUGINS_VAR, ""), args.plugins]))
        load_builtins()
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.WARNING), format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "list":
            _list()
            return 0
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "report":
            from mmturn.tasks.report import write_report

            print(f"report: {write_report(args.dir)}")
            return 0
        if args.command == "score":
            return _cmd_score(args)
        if args.command is None:
            _parser().print_help()
            return 2
    except (UnknownName, ValueError, FileNotFoundError, FileExistsError, DatasetError, TooManyErrors) as e:
        print(f"mmturn: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
