"""``mmturn score DIR``: recompute every turn's scores from its stored reply and target with the
current scorers, then the metrics, without calling the model again."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from mmturn.tasks.env import DialogueEnv
from mmturn.tasks.logs import RunDir
from mmturn.tasks.registry import TASKS
from mmturn.tasks.results import load_results, write_results
from mmturn.tasks.runner import RunConfig
from mmturn.tasks.task import Task


def _rescorer(task: Task, task_args: dict[str, Any]) -> Callable[[dict], dict]:
    env = task.make_env(task_args)
    if not isinstance(env, DialogueEnv):
        raise ValueError(f"task {task.name!r} scores from live env state; its stored scores cannot be recomputed")

    def rescore(record: dict) -> dict:
        result = env.score(record["reply"], record["target"])
        return {**record, "scores": result.scores, "details": result.details, "error": result.error}

    return rescore


def rescore_run(root: Path) -> dict[str, Any]:
    old = load_results(root)
    conf = old["config"]
    cfg = RunConfig(tasks=list(conf["tasks"]), model=conf["model"], model_args=conf["model_args"], task_args=conf["task_args"],
                    limit=conf["limit"], repeats=conf["repeats"], seed=conf["seed"], output_dir=Path(root), history=conf.get("history"))
    tasks = [TASKS.get(name) for name in cfg.tasks]
    return write_results(RunDir(Path(root)), cfg, tasks, conf["model_config"], rescore=lambda t: _rescorer(t, cfg.task_args))
