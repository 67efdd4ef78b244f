"""A task = an env (with its config) + how episodes are counted + the metrics over its turn records
(Inspect AI's Task / Solver / Scorer split: the model is the solver, the env scores each turn)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import gymnasium as gym

from mmturn.tasks.args import typed_args
from mmturn.tasks.env import MultiTurnEnv
from mmturn.tasks.judge import JudgeSpec
from mmturn.tasks.metrics import TurnLog, default_metrics
from mmturn.tasks.registry import ENVS
from mmturn.tasks.views import Renderer

MetricsFn = Callable[[list[list[TurnLog]]], dict[str, Any]]  # episodes' turn records -> {"metrics", "curves"}


@dataclass(frozen=True)
class Task:
    name: str
    env_id: str
    version: str = "1.0"
    description: str = ""
    metrics: MetricsFn = default_metrics  # the family's own aggregation, else every numeric score's mean and interval
    metric_names: tuple[str, ...] = ()  # the headline metric first (the report's first column)
    family: str = ""  # dialogue, editing, gui, navigation...: which scripted baselines can play it
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    default_limit: int = 20  # episodes when --limit is not given (datasets: all of them)
    smoke_limit: int = 3  # episodes in the no-argument `mmturn run`
    baselines: tuple[str, ...] = ("oracle", "random")
    required_args: tuple[str, ...] = ()  # task args a user must pass (e.g. a dataset path)
    in_default_run: bool = False  # played by the no-argument `mmturn run` (mmturn's own offline tasks)
    seed_name: str = ""  # episodes are seeded by this name (default: the task's), so variants share episodes
    history: int | None = None  # user turns a model sees by default (None: all); --history overrides
    renderer: Renderer = field(default_factory=Renderer)  # how the report shows its turns and episodes
    judge: JudgeSpec | None = None  # which turns a judge model rates (--judge), with which template

    @property
    def episodes_key(self) -> str:
        return self.seed_name or self.name

    def typed_args(self, task_args: dict[str, Any]) -> dict[str, Any]:
        """``--task-args`` checked against the env's constructor and typed by its annotations; a missing
        required argument or one the env does not take is a one-line ValueError."""
        missing = [a for a in self.required_args if a not in task_args]
        if missing:
            raise ValueError(f"task {self.name!r} needs --task-args {','.join(f'{m}=...' for m in missing)}")
        entry = ENVS.get(self.env_id) if self.env_id in ENVS else gym.spec(self.env_id).entry_point
        return typed_args(entry, task_args, f"task {self.name!r}") if callable(entry) else dict(task_args)

    def make_env(self, task_args: dict[str, Any] | None = None) -> MultiTurnEnv:
        args = dict(task_args or {})
        missing = [a for a in self.required_args if a not in args]
        if missing:
            raise ValueError(f"task {self.name!r} needs --task-args {','.join(f'{m}=...' for m in missing)}")
        return gym.make(self.env_id, disable_env_checker=True, **{**self.env_kwargs, **args}).unwrapped

    def requested_limit(self, limit: int | None, smoke: bool) -> int | None:
        """The episode limit a run asks of this task: ``--limit``, else in the no-argument run its smoke size."""
        return limit if limit is not None or not smoke else self.smoke_limit

    def episode_count(self, size: int | None, limit: int | None) -> int:
        """Episodes to play: ``limit``, else the dataset's ``size``, else ``default_limit`` (never past ``size``)."""
        n = limit if limit is not None else (size if size is not None else self.default_limit)
        return min(n, size) if size is not None else n
