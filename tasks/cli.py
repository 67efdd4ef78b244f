"""The ``mmturn`` command: list, run, report, score."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from mmturn.tasks.args import parse_kv, typed_args
from mmturn.tasks.datasets import DatasetError
from mmturn.tasks.executors import ensure_ray
from mmturn.tasks.logs import RunBusy, locked
from mmturn.tasks.model import check_plays, make_model
from mmturn.tasks.registry import ENVS, MODELS, PLUGINS_VAR, SCORERS, TASKS, UnknownName, load_builtins
from mmturn.tasks.runner import RunConfig, TooManyErrors, run
from mmturn.tasks.secrets import install_log_filter, scrub

DEFAULT_OUT = Path("mmturn-out")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block): ``mmturn: error: argument --limit: ...``, exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"mmturn: error: {message}", file=sys.stderr)
        sys.exit(2)


def _at_least(bound: int | float, kind: type = int):
    def check(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if value < bound:
            raise argparse.ArgumentTypeError(f"must be at least {bound}, got {text}")
        return value

    return check


def _log_level(text: str) -> str:
    if text.upper() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_LEVELS)}")
    return text.upper()


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="mmturn", description="Multi-turn evaluation of vision-language models and agents.")
    p.add_argument("--log-level", default="WARNING", type=_log_level, help="DEBUG logs every finished turn")
    p.add_argument("--plugins", help="comma-separated modules that register your own envs, tasks, scorers or models")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("list", help="tasks, envs, models and scorers")
    r = sub.add_parser(
        "run", help="evaluate a model; with no arguments, every built-in task with its offline baselines"
    )
    r.add_argument("--tasks", help="comma-separated task names (default: every built-in task)")
    r.add_argument("--model", help="model name (default: each task's scripted baselines)")
    r.add_argument(
        "--model-args", default="", help='k=v,k2=v2 passed to the model (quote values with commas: k="a, b")'
    )
    r.add_argument("--task-args", default="", help="k=v,... passed to the task's env (e.g. path=data.jsonl)")
    r.add_argument("--limit", type=_at_least(1), help="episodes per task")
    r.add_argument("--repeats", type=_at_least(1), default=1, help="replies sampled per episode (for PIF-N-K)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--max-connections", type=_at_least(1), help="concurrent model requests (API models)")
    r.add_argument("--output-dir", type=Path, help="run folder (default: mmturn-out/run-<date>-<time>)")
    r.add_argument("--resume", action="store_true", help="complete an interrupted run in --output-dir")
    r.add_argument(
        "--max-errors",
        type=_at_least(0, float),
        default=0.1,
        help="errored episodes that abort the run: a fraction (<1) or a count",
    )
    r.add_argument("--history", type=_at_least(0), help="keep only the last N user turns in the prompt")
    r.add_argument(
        "--turn-timeout",
        type=_at_least(0.001, float),
        default=600.0,
        help="seconds a model may take for one reply (then the episode errors)",
    )
    r.add_argument(
        "--env-timeout",
        type=_at_least(0.001, float),
        default=300.0,
        help="seconds an env call may take before its worker counts as hung",
    )
    r.add_argument(
        "--executor",
        choices=("inline", "local", "ray"),
        default="local",
        help="where envs run: worker processes (local, default), this process (inline) or a Ray cluster (ray)",
    )
    r.add_argument(
        "--workers",
        type=_at_least(1),
        help="env worker processes or Ray actors (default: every core, or every CPU of the Ray cluster)",
    )
    r.add_argument("--ray-address", help="Ray cluster to join: auto, or ray://host:10001 (default: start a local Ray)")
    r.add_argument(
        "--model-replicas",
        type=_at_least(1),
        help="with --executor ray: run the model as N Ray actors (HF weights once per replica)",
    )
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


def _run_one(
    args: argparse.Namespace,
    tasks: list[str],
    model: str,
    model_args: dict[str, Any],
    task_args: dict[str, Any],
    out: Path,
) -> dict:
    if (
        args.max_connections is not None
        and "max_connections" in inspect.signature(MODELS.get(model).__init__).parameters
    ):
        model_args = {**model_args, "max_connections": args.max_connections}
    cfg = RunConfig(
        tasks=tasks,
        model=model,
        model_args=model_args,
        task_args=task_args,
        limit=args.limit,
        smoke=args.model is None,
        repeats=args.repeats,
        seed=args.seed,
        output_dir=out,
        resume=args.resume,
        max_errors=args.max_errors,
        history=args.history,
        progress=not args.no_progress,
        executor=args.executor,
        workers=args.workers,
        ray_address=args.ray_address,
        turn_timeout_s=args.turn_timeout,
        env_timeout_s=args.env_timeout,
    )
    if args.model_replicas:
        if args.executor != "ray":
            raise ValueError("argument --model-replicas: needs --executor ray")
        from mmturn.tasks.ray_models import ModelReplicas

        ensure_ray(args.ray_address)
        return asyncio.run(run(cfg, ModelReplicas(model, model_args, args.model_replicas, args.gpus_per_replica)))
    return asyncio.run(run(cfg, make_model(model, model_args)))


def summary(results: dict, task: str) -> str:
    """How complete a task's numbers are: "19/20 episodes, 1 error, 0 of 380 replies from cache"."""
    c = results.get("counts", {}).get(task, {})
    errors = c.get("errors", 0)
    return (
        f"{c.get('episodes', 0)}/{c.get('asked', c.get('episodes', 0))} episodes, {errors} error{'s' * (errors != 1)}, "
        f"{c.get('cached', 0)} of {c.get('turns', 0)} replies from cache"
    )


def _print_results(label: str, results: dict) -> None:
    for task, metrics in results["results"].items():
        shown = "  ".join(f"{k}={v:.3f}" for k, v in metrics.items() if isinstance(v, (int, float)))
        print(f"{label:<10} {task:<18} {shown}  ({summary(results, task)})")


def _check_run(args: argparse.Namespace, tasks: list[str], models: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Everything about a run that can be wrong before it starts, as a one-line error: names, arguments,
    and which baseline can play which task. Returns the typed model and task arguments."""
    raw_model_args, task_args = parse_kv(args.model_args), parse_kv(args.task_args, "--task-args")
    model_args: dict[str, Any] = {}
    for model in models:
        model_args = typed_args(MODELS.get(model), raw_model_args, f"model {model!r}")
    typed: dict[str, Any] = dict(task_args)
    for name in tasks:
        task = TASKS.get(name)
        if args.model:
            check_plays(args.model, task)
        typed = task.typed_args(typed)
    out = args.output_dir
    if out.exists() and not out.is_dir():
        raise ValueError(f"argument --output-dir: {out} is a file, not a folder")
    if any(p.exists() and not p.is_dir() for p in out.parents):
        raise ValueError(f"argument --output-dir: {out} is under a file")
    return model_args, typed


def _cmd_run(args: argparse.Namespace) -> int:
    if args.output_dir is None:
        if args.resume:
            raise ValueError("argument --resume: needs the --output-dir of the run to complete")
        args.output_dir = DEFAULT_OUT / time.strftime("run-%Y%m%d-%H%M%S")
    tasks = (
        [n for n in args.tasks.split(",") if n]
        if args.tasks
        else [n for n in TASKS.names() if TASKS.get(n).in_default_run]
    )
    if args.model:
        model_args, task_args = _check_run(args, tasks, [args.model])
        results = _run_one(args, tasks, args.model, model_args, task_args, args.output_dir)
        _print_results(args.model, results)
    else:  # the built-in evaluation: every task with each of its offline baselines, one run folder per baseline
        baselines = sorted({b for t in tasks for b in TASKS.get(t).baselines})
        model_args, task_args = _check_run(args, tasks, baselines)
        if args.resume and not args.output_dir.is_dir():
            raise ValueError(f"argument --resume: {args.output_dir} does not exist; there is no run to resume")
        try:
            args.output_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ValueError(f"argument --output-dir: cannot create {args.output_dir}: {e.strerror or e}") from None
        with locked(args.output_dir):
            for baseline in baselines:
                mine = [t for t in tasks if baseline in TASKS.get(t).baselines]
                _print_results(
                    baseline, _run_one(args, mine, baseline, model_args, task_args, args.output_dir / baseline)
                )
    if not args.no_report:
        from mmturn.tasks.report import write_report

        print(f"report: {write_report(args.output_dir)}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from mmturn.tasks.rescore import rescore_run

    _print_results("rescored", rescore_run(args.dir))
    return 0


def _resume_hint(argv: list[str], args: argparse.Namespace) -> str:
    words = list(argv)
    if args.command == "run" and "--output-dir" not in words and not any(w.startswith("--output-dir=") for w in words):
        words += ["--output-dir", str(args.output_dir)]
    if "--resume" not in words:
        words.append("--resume")
    return "mmturn " + shlex.join(words)


def _terminate(signum: int, frame: Any) -> None:
    signal.raise_signal(signal.SIGINT)  # SIGTERM stops a run as Ctrl-C does: finished episodes kept, results written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level), format="%(levelname)s %(name)s: %(message)s")
    install_log_filter()
    if threading_main():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.plugins:  # set for this process and inherited by worker processes and local Ray actors
            os.environ[PLUGINS_VAR] = ",".join(filter(None, [os.environ.get(PLUGINS_VAR, ""), args.plugins]))
        load_builtins()
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
        _parser().print_help()
        return 2
    except KeyboardInterrupt:
        if args.command == "run":
            print(f"interrupted: resume with `{_resume_hint(argv, args)}`", file=sys.stderr)
        else:
            print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except (UnknownName, ValueError, FileNotFoundError, FileExistsError, DatasetError, TooManyErrors, RunBusy) as e:
        print(f"mmturn: error: {scrub(str(e))}", file=sys.stderr)
        return 2


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
