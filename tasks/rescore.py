"""``mmturn score DIR``: recompute every turn's scores from its stored reply and target with the
current scorers, then the metrics, without calling the model again."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from mmturn.tasks.env import DialogueEnv
from mmturn.tasks.logs import RunDir, locked
from mmturn.tasks.registry import TASKS
from mmturn.tasks.results import load_results, write_results
from mmturn.tasks.task import Task
from mmturn.tasks.types import Part


def _rescorer(task: Task, task_args: dict[str, Any], run_dir: RunDir) -> Callable[[dict], dict]:
    env = task.make_env(task_args)
    if not isinstance(env, DialogueEnv):
        raise ValueError(f"task {task.name!r} scores from live env state; its stored scores cannot be recomputed")
    env.find_image = lambda digest: _stored_image(run_dir, digest)  # images a scorer looks at: from the run folder

    def rescore(record: dict) -> dict:
        result = env.score(record["reply"], record["target"])
        return {**record, "scores": result.scores, "details": result.details, "error": result.error}

    return rescore


def _stored_image(run_dir: RunDir, digest: str) -> Part | None:
    image = run_dir.open_image(digest)
    return Part.of_image(np.asarray(image)) if image is not None else None


def rescore_run(root: Path) -> dict[str, Any]:
    with locked(root):
        old = load_results(root)
        conf = old["config"]
        tasks = [TASKS.get(name) for name in conf["tasks"]]
        asked = {name: c.get("asked") for name, c in old.get("counts", {}).items() if isinstance(c, dict)}
        run_dir = RunDir(Path(root))
        return write_results(run_dir, conf, tasks, asked, rescore=lambda t: _rescorer(t, conf["task_args"], run_dir))
