"""The model interface: one async ``respond`` per turn. API adapters, local HF models and scripted
baselines all implement it; ``--model-args k=v,...`` become constructor keyword arguments."""
from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any

from mmturn.tasks.registry import MODELS
from mmturn.tasks.types import Reply, Request


class ModelError(RuntimeError):
    """A model call that failed for good (after retries): the episode errors and is retried on --resume."""


class Model(ABC):
    concurrency: int = 16  # episodes the runner plays at once with this model

    @abstractmethod
    async def respond(self, request: Request) -> Reply:
        """The reply to the last user message of ``request.messages``."""

    async def aclose(self) -> None:
        """Release connections, processes or weights."""

    def describe(self) -> dict[str, Any]:
        """The model's configuration for results.json (never secrets)."""
        return {k: v for k, v in vars(self).items() if isinstance(v, (str, int, float, bool, type(None))) and "key" not in k.lower()}


def parse_model_args(text: str | None) -> dict[str, Any]:
    """lmms-eval style ``k=v,k2=v2``; values become int, float, bool or None where they read as one."""
    args: dict[str, Any] = {}
    for item in filter(None, (text or "").split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"bad argument {item!r}: expected key=value")
        args[key.strip()] = _typed(value.strip())
    return args


def _typed(value: str) -> Any:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def make_model(name: str, args: dict[str, Any]) -> Model:
    """Instantiate a registered model; unknown arguments are a one-line error listing the accepted ones."""
    cls = MODELS.get(name)
    params = inspect.signature(cls.__init__).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    unknown = [k for k in args if k not in params and not accepts_any]
    if unknown:
        known = [p for p in params if p != "self"]
        raise ValueError(f"model {name!r} does not take {', '.join(unknown)}; it takes: {', '.join(known) or 'no arguments'}")
    return cls(**args)
