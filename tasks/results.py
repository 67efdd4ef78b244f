"""results.json: the run's configuration (versions included) and each task's metrics, computed from
the sample logs alone, so ``--resume`` and ``mmturn score`` give the same numbers as one clean run."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mmturn.tasks.logs import RunDir, dumps, episode_errors, finished_episodes, write_atomic
from mmturn.tasks.metrics import intervals
from mmturn.tasks.records import SCHEMA_VERSION, schema_problem
from mmturn.tasks.registry import MODELS, TASKS
from mmturn.tasks.secrets import redact, scrub
from mmturn.tasks.task import Task
from mmturn.tasks.usage import usage_totals

if TYPE_CHECKING:
    from mmturn.tasks.runner import RunConfig

PACKAGES = (
    "torch",
    "torchvision",
    "transformers",
    "gymnasium",
    "numpy",
    "pillow",
    "open_clip_torch",
    "opencv-python-headless",
)


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("mmturn",) + PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def task_results(
    run_dir: RunDir,
    task: Task,
    asked: int | None,
    rescore: Callable[[dict], dict] | None = None,
    prices: tuple[float | None, float | None] = (None, None),
) -> dict[str, Any]:
    """A task's metrics over its finished episodes, the counts that say how complete they are (episodes
    asked for and scored, errors, turns, replies served from the model's cache) and its usage (tokens,
    latency and cost of every turn played, unfinished episodes' included)."""
    records = run_dir.read(task.name)
    episodes = finished_episodes(records)
    if rescore is not None:
        episodes = {k: [rescore(t) for t in turns] for k, turns in episodes.items()}
    computed = task.metrics(list(episodes.values()))
    ci, stderr = intervals(task.metrics, list(episodes.values()))
    errors = episode_errors(records)
    return {
        "metrics": computed["metrics"],
        "curves": computed.get("curves", {}),
        "ci": ci,
        "stderr": stderr,
        "counts": {
            "asked": asked if asked is not None else len(episodes) + len(errors),
            "episodes": len(episodes),
            "errors": len(errors),
            "turns": sum(len(t) for t in episodes.values()),
            "cached": sum(bool(r.get("cached")) for t in episodes.values() for r in t),
        },
        "errors": [{"index": i, "repeat": r, "error": e} for (i, r), e in sorted(errors.items())],
        "usage": usage_totals((r for r in records if r.get("type") == "turn"), *prices),
    }


def run_config(cfg: "RunConfig", tasks: list[Task], model_config: dict[str, Any]) -> dict[str, Any]:
    """The experiment's configuration as results.json and run.json record it (secrets redacted)."""
    return json.loads(
        dumps(
            {
                "model": cfg.model,
                "model_args": redact(cfg.model_args),
                "model_config": redact(model_config),
                "tasks": {t.name: {"version": t.version, "env": t.env_id, "env_kwargs": t.env_kwargs} for t in tasks},
                "task_args": cfg.task_args,
                "seed": cfg.seed,
                "repeats": cfg.repeats,
                "limit": cfg.limit,
                "smoke": cfg.smoke,
                "history": cfg.history,
                "versions": _versions(),
                "git_commit": _git_commit(),
            }
        )
    )


EXPERIMENT_FIELDS = ("model", "model_args", "tasks", "task_args", "seed", "repeats", "history", "smoke")


def resume_conflicts(stored: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why a run with config ``new`` cannot complete the run stored with ``stored``: every experiment
    field that differs (the model's operational arguments such as max_connections excepted), and a
    --limit that would give some task fewer episodes than before (a larger one only adds episodes)."""
    ignored = MODELS.get(new["model"]).operational_args if new["model"] in MODELS else frozenset()
    differ = []
    for key in EXPERIMENT_FIELDS:
        old_value, new_value = stored.get(key), new.get(key)
        if key == "model_args":
            old_value, new_value = (
                {k: v for k, v in (d or {}).items() if k not in ignored} for d in (old_value, new_value)
            )
        if key == "tasks":
            old_value, new_value = ({n: t.get("version") for n, t in (d or {}).items()} for d in (old_value, new_value))
        if old_value != new_value:
            differ.append(f"{key} (stored {old_value!r}, now {new_value!r})")
    for name in new.get("tasks", {}):
        if name in TASKS and _limit(stored, TASKS.get(name)) > _limit(new, TASKS.get(name)):
            differ.append(
                f"limit (stored {stored.get('limit')!r}, now {new.get('limit')!r}: a resume may only raise it)"
            )
            break
    return differ


def _limit(config: dict[str, Any], task: Task) -> int:
    limit = task.requested_limit(config.get("limit"), bool(config.get("smoke")))
    return limit if limit is not None else task.default_limit


def write_results(
    run_dir: RunDir,
    config: dict[str, Any],
    tasks: list[Task],
    asked: dict[str, int],
    rescore: Callable[[Task], Callable[[dict], dict]] | None = None,
    facts: dict[str, dict[str, Any]] | None = None,
    prices: Any = None,
) -> dict[str, Any]:
    """results.json from the sample logs. ``facts`` (what each env reports of itself, e.g. its action
    format and version) and the model's prices (``price_in`` / ``price_out`` of ``prices``) are kept from
    the stored results when not given (rescoring)."""
    try:
        stored = load_results(run_dir.root)
    except (FileNotFoundError, ValueError):
        stored = {}
    facts = {**stored.get("facts", {}), **(facts or {})}
    price = (
        (getattr(prices, "price_in", None), getattr(prices, "price_out", None))
        if prices is not None
        else tuple(stored.get("prices", (None, None)))
    )
    per_task = {
        t.name: task_results(run_dir, t, asked.get(t.name), rescore(t) if rescore else None, price) for t in tasks
    }
    results = {
        "schema_version": SCHEMA_VERSION,
        "config": config,
        "results": {name: r["metrics"] for name, r in per_task.items()},
        "curves": {name: r["curves"] for name, r in per_task.items()},
        "ci": {name: r["ci"] for name, r in per_task.items() if r["ci"]},
        "stderr": {name: r["stderr"] for name, r in per_task.items() if r["stderr"]},
        "counts": {name: r["counts"] for name, r in per_task.items()},
        "errors": {name: r["errors"] for name, r in per_task.items() if r["errors"]},
        "usage": {name: r["usage"] for name, r in per_task.items()},
        "facts": facts,
        "prices": list(price),
        "judges": stored.get("judges", {}),  # judge models' ratings (judge_pass.py), kept as they were
    }
    write_atomic(run_dir.root / "results.json", scrub(json.dumps(json.loads(dumps(results)), indent=2)))
    return results


def load_results(root: Path) -> dict[str, Any]:
    """A run's results.json, checked for the parts that ``score``, ``report`` and ``--resume`` read."""
    path = Path(root) / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found: is {root} an mmturn run directory?") from None
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: not a valid results file ({e})") from None
    if not isinstance(results, dict) or not isinstance(results.get("config"), dict):
        raise ValueError(f"{path}: not a valid results file (field 'config' missing or not an object)")
    if (problem := schema_problem(results.get("schema_version", 1), f"{path}")) is not None:
        raise ValueError(problem)
    if not isinstance(results.setdefault("results", {}), dict):
        raise ValueError(f"{path}: not a valid results file (field 'results' is not an object)")
    for key in ("model", "tasks", "seed"):
        if key not in results["config"]:
            raise ValueError(f"{path}: not a valid results file (field 'config.{key}' missing)")
    return results
