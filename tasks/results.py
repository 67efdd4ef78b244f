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
from mmturn.tasks.task import Task

if TYPE_CHECKING:
    from mmturn.tasks.runner import RunConfig

PACKAGES = ("torch", "torchvision", "transformers", "gymnasium", "numpy", "pillow", "open_clip_torch", "opencv-python-headless")
SECRET_WORDS = ("key", "token", "secret", "password", "authorization")


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
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def redact(args: dict[str, Any]) -> dict[str, Any]:
    return {k: ("<redacted>" if any(w in k.lower() for w in SECRET_WORDS) else v) for k, v in args.items()}


def task_results(run_dir: RunDir, task: Task, rescore: Callable[[dict], dict] | None = None) -> dict[str, Any]:
    records = run_dir.read(task.name)
    episodes = finished_episodes(records)
    if rescore is not None:
        episodes = {k: [rescore(t) for t in turns] for k, turns in episodes.items()}
    computed = task.metrics(list(episodes.values()))
    errors = episode_errors(records)
    return {
        "metrics": computed["metrics"],
        "curves": computed.get("curves", {}),
        "counts": {"episodes": len(episodes), "turns": sum(len(t) for t in episodes.values()), "errors": len(errors)},
        "errors": [{"index": i, "repeat": r, "error": e} for (i, r), e in sorted(errors.items())],
    }


def write_results(run_dir: RunDir, cfg: "RunConfig", tasks: list[Task], model_config: dict[str, Any],
                  rescore: Callable[[Task], Callable[[dict], dict]] | None = None) -> dict[str, Any]:
    per_task = {t.name: task_results(run_dir, t, rescore(t) if rescore else None) for t in tasks}
    results = {
        "config": {
            "model": cfg.model,
            "model_args": redact(cfg.model_args),
            "model_config": redact(model_config),
            "tasks": {t.name: {"version": t.version, "env": t.env_id, "env_kwargs": t.env_kwargs} for t in tasks},
            "task_args": cfg.task_args,
            "seed": cfg.seed,
            "repeats": cfg.repeats,
            "limit": cfg.limit,
            "history": cfg.history,
            "versions": _versions(),
            "git_commit": _git_commit(),
        },
        "results": {name: r["metrics"] for name, r in per_task.items()},
        "curves": {name: r["curves"] for name, r in per_task.items()},
        "counts": {name: r["counts"] for name, r in per_task.items()},
        "errors": {name: r["errors"] for name, r in per_task.items() if r["errors"]},
    }
    write_atomic(run_dir.root / "results.json", json.dumps(json.loads(dumps(results)), indent=2))
    return results


def load_results(root: Path) -> dict[str, Any]:
    path = Path(root) / "results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found: is {root} an mmturn run directory?") from None
