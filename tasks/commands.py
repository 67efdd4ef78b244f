"""What the ``mmturn`` commands do (the CLI in cli.py parses, handles signals and imports this lazily)."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import time
from pathlib import Path
from typing import Any

from mmturn.tasks.args import parse_kv, typed_args
from mmturn.tasks.datasets import DatasetError
from mmturn.tasks.executors import ensure_ray
from mmturn.tasks.logs import RunBusy, locked
from mmturn.tasks.model import check_plays, make_model
from mmturn.tasks.registry import ENVS, MODELS, PLUGINS_VAR, SCORERS, TASKS, UnknownName, load_builtins
from mmturn.tasks.runner import RunConfig, TooManyErrors, output_folder, run
from mmturn.tasks.usage import BudgetReached  # noqa: F401 (the CLI catches it: a clean, resumable stop)
from mmturn.tasks.worker import WorkerError

DEFAULT_OUT = Path("mmturn-out")
# what a command reports as one "mmturn: error:" line (exit code 2)
USER_ERRORS = (
    UnknownName,
    ValueError,
    FileNotFoundError,
    FileExistsError,
    DatasetError,
    TooManyErrors,
    RunBusy,
    WorkerError,
)


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
        max_cost=args.max_cost,
        max_tokens_total=args.max_tokens_total,
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


def _judge_config(args: argparse.Namespace):
    """``--judge`` and ``--judge-args`` as a JudgeConfig (its adapter arguments checked), or None."""
    from mmturn.tasks.judge_pass import JudgeConfig

    if getattr(args, "judge", None) is None:
        if getattr(args, "judge_args", ""):
            raise ValueError("argument --judge-args: needs --judge")
        return None
    config = JudgeConfig.from_args(args.judge, parse_kv(args.judge_args, "--judge-args"))
    config.model_args = typed_args(MODELS.get(args.judge), config.model_args, f"judge {args.judge!r}")
    return config


def _judge(root: Path, config) -> None:
    """Judge the run in ``root`` and print each task's judge metrics."""
    from mmturn.tasks.judge_pass import judge_run
    from mmturn.tasks.results import load_results

    with locked(root):
        tasks = [TASKS.get(n) for n in load_results(root)["config"]["tasks"] if n in TASKS]
        entry = asyncio.run(judge_run(root, config, tasks))
    for task, metrics in entry["results"].items():
        shown = "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items())
        print(f"judge      {task:<18} {shown}  ({config.key()})")


def _print_results(label: str, results: dict) -> None:
    for task, metrics in results["results"].items():
        ci = results.get("ci", {}).get(task, {})
        shown = "  ".join(
            f"{k}={v:.3f}" + (f" [{ci[k][0]:.3f}, {ci[k][1]:.3f}]" if k in ci else "")
            for k, v in metrics.items()
            if isinstance(v, (int, float))
        )
        print(f"{label:<10} {task:<18} {shown}  ({summary(results, task)})")


def _check_run(args: argparse.Namespace, tasks: list[str], models: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Everything about a run that can be wrong before it starts, as a one-line error: names, arguments,
    which baseline can play which task, and the run folder (created here). Returns the typed model and task
    arguments."""
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
    output_folder(args.output_dir, args.resume)
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
    judge = _judge_config(args)
    if args.model:
        model_args, task_args = _check_run(args, tasks, [args.model])
        results = _run_one(args, tasks, args.model, model_args, task_args, args.output_dir)
        _print_results(args.model, results)
        if judge is not None:
            _judge(args.output_dir, judge)
    else:  # the built-in evaluation: every task with each of its offline baselines, one run folder per baseline
        baselines = sorted({b for t in tasks for b in TASKS.get(t).baselines})
        model_args, task_args = _check_run(args, tasks, baselines)
        with locked(args.output_dir):
            for baseline in baselines:
                mine = [t for t in tasks if baseline in TASKS.get(t).baselines]
                _print_results(
                    baseline, _run_one(args, mine, baseline, model_args, task_args, args.output_dir / baseline)
                )
        for baseline in baselines if judge is not None else ():
            _judge(args.output_dir / baseline, judge)
    if not args.no_report:
        from mmturn.tasks.report import write_report

        print(f"report: {write_report(args.output_dir)}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from mmturn.tasks.rescore import rescore_run

    judge = _judge_config(args)
    if judge is not None:  # judge the stored answers; the code scores stay as they are
        _judge(args.dir, judge)
    else:
        _print_results("rescored", rescore_run(args.dir))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    import json

    tasks = [n for n in args.tasks.split(",") if n] if args.tasks else None
    judge = _judge_config(args)
    if judge is None:
        from mmturn.tasks.paired import compare_stats

        stats = compare_stats(args.a, args.b, tasks, unpaired=args.unpaired)
        if args.json:
            print(json.dumps(stats, indent=2))
            return 0
        how = "paired by episode" if stats["paired"] else "UNPAIRED (the runs share no episodes)"
        print(f"B - A, {how}: A={args.a} B={args.b}")
        for task, metrics in stats.items():
            for name, m in metrics.items() if isinstance(metrics, dict) else ():
                p = "" if m["p"] is None else f"  p={m['p']:.3f}"
                print(
                    f"{task:<18} {name:<22} A={m['a']:.3f} B={m['b']:.3f} diff={m['diff']:+.3f} "
                    f"[{m['ci'][0]:+.3f}, {m['ci'][1]:+.3f}]{p}  n={m['n']}"
                )
        return 0
    from mmturn.tasks.compare import compare_runs
    from mmturn.tasks.logs import write_atomic

    out = asyncio.run(compare_runs(args.a, args.b, judge, tasks))
    write_atomic(args.output, json.dumps(out, indent=2))
    for task, t in out.items():
        if isinstance(t, dict) and "n" in t:
            flips = "n/a" if t["flip_rate"] is None else f"{t['flip_rate']:.2f}"
            print(
                f"{task:<18} A wins {t['a_wins']}, B wins {t['b_wins']}, ties {t['ties']}, unparsed {t['unparsed']} "
                f"of {t['n']}; verdicts that flip with the order: {flips}"
            )
    print(f"compare: {args.output}")
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    import sys

    from mmturn.tasks.report import find_runs
    from mmturn.tasks.viewer import serve

    roots = [run for root in args.runs for run in find_runs(root)]
    if not roots:
        raise ValueError(f"argument runs: no mmturn run in {', '.join(map(str, args.runs))}")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}: anyone who can reach it can read these runs", file=sys.stderr)
    serve(roots, args.host, args.port)
    return 0


def dispatch(args: argparse.Namespace, print_help) -> int:
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

        print(f"report: {write_report(args.dir, args.episodes)}")
        return 0
    if args.command == "score":
        return _cmd_score(args)
    if args.command == "compare":
        return _cmd_compare(args)
    if args.command == "view":
        return _cmd_view(args)
    print_help()
    return 2
