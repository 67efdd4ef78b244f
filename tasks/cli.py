"""The ``mmturn`` command: list, run, report, score. This module imports only the standard library, so
that a Ctrl-C at any moment, imports included, ends in one line; the commands live in commands.py."""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C
BUDGET_REACHED = 3  # a run stopped by --max-cost or --max-tokens-total


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
        "--max-cost",
        type=_at_least(0.0, float),
        help="stop cleanly once the replies cost this much (the model's price_in / price_out per million tokens)",
    )
    r.add_argument(
        "--max-tokens-total", type=_at_least(1), help="stop cleanly once replies used this many tokens in all"
    )
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
    _judge_arguments(r)
    rep = sub.add_parser("report", help="write report.html for a run directory (or a folder of runs)")
    rep.add_argument("dir", type=Path)
    rep.add_argument("--episodes", type=_at_least(0), default=3, help="episodes a task shows per run (the rest: view)")
    sc = sub.add_parser(
        "score", help="recompute scores and metrics from stored samples (or, with --judge, judge them), no model calls"
    )
    sc.add_argument("dir", type=Path)
    _judge_arguments(sc)
    view = sub.add_parser("view", help="browse runs in a local web viewer (127.0.0.1; Ctrl-C stops it)")
    view.add_argument("runs", type=Path, nargs="+", help="run folders, or folders of runs")
    view.add_argument("--port", type=_at_least(1), default=8765)
    view.add_argument("--host", default="127.0.0.1", help="another interface than 127.0.0.1 exposes your runs")
    cmp = sub.add_parser(
        "compare", help="two runs' metrics on the same episodes, with paired intervals (or, with --judge, verdicts)"
    )
    cmp.add_argument("a", type=Path)
    cmp.add_argument("b", type=Path)
    cmp.add_argument("--tasks", help="comma-separated task names (default: every task both runs played)")
    cmp.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cmp.add_argument("--unpaired", action="store_true", help="compare runs that share no episodes, unpaired")
    cmp.add_argument(
        "--output", type=Path, default=Path("mmturn-compare.json"), help="where the judge's verdicts go (--judge)"
    )
    _judge_arguments(cmp)
    return p


def _judge_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--judge", help="a model that rates open-ended turns (openai, hf, ...; see README, Judges)")
    p.add_argument(
        "--judge-args",
        default="",
        help="k=v,... for the judge's adapter, and template=, turns=open|all, repeats=, judge_retries=, images=",
    )


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
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        from mmturn.tasks import commands
        from mmturn.tasks.secrets import install_log_filter, scrub

        install_log_filter()
        try:
            return commands.dispatch(args, _parser().print_help)
        except commands.USER_ERRORS as e:
            print(f"mmturn: error: {scrub(str(e))}", file=sys.stderr)
            return 2
        except commands.BudgetReached as e:
            print(f"stopped: {e}; resume with a higher budget: `{_resume_hint(argv, args)}`", file=sys.stderr)
            return BUDGET_REACHED
    except KeyboardInterrupt:
        if args.command == "run":
            print(f"interrupted: resume with `{_resume_hint(argv, args)}`", file=sys.stderr)
        else:
            print("interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
