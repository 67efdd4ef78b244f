"""The model interface: one async ``respond`` per turn. API adapters, local HF models and scripted
baselines all implement it; ``--model-args k=v,...`` become constructor keyword arguments (typed by
``tasks/args.py``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from mmturn.tasks.args import typed_args
from mmturn.tasks.registry import MODELS
from mmturn.tasks.types import Reply, Request


class ModelError(RuntimeError):
    """A model call that failed for good (after retries): the episode errors and is retried on --resume."""


class Model(ABC):
    concurrency: int = 16  # episodes the runner plays at once with this model
    families: tuple[str, ...] = ()  # task families it can play (a scripted baseline); () means any
    # constructor arguments that change how replies are fetched, never what they are: --resume accepts new values
    operational_args: frozenset[str] = frozenset()
    tools: bool = False  # sends the env's actions as function tools (tools=true): envs then prompt for calls
    # price per million prompt / completion tokens (API models take them as arguments): the run's cost
    price_in: float | None = None
    price_out: float | None = None

    @abstractmethod
    async def respond(self, request: Request) -> Reply:
        """The reply to the last user message of ``request.messages``."""

    async def aclose(self) -> None:  # noqa: B027 (optional: most models hold nothing to release)
        """Release connections, processes or weights."""

    def describe(self) -> dict[str, Any]:
        """The model's configuration for results.json (never secrets)."""
        return {
            k: v
            for k, v in vars(self).items()
            if isinstance(v, (str, int, float, bool, type(None))) and "key" not in k.lower()
        }


def make_model(name: str, args: dict[str, Any]) -> Model:
    """Instantiate a registered model; unknown arguments are a one-line error listing the accepted ones."""
    cls = MODELS.get(name)
    return cls(**typed_args(cls, args, f"model {name!r}"))


def check_plays(name: str, task: Any) -> None:
    """A model that plays only some families (a scripted baseline) refuses a task of another family."""
    families = MODELS.get(name).families
    if families and task.family not in families:
        raise ValueError(f"{name} plays {' and '.join(families)} tasks only; {task.name!r} is a {task.family} task")
