"""Registries of envs, tasks, scorers and models: one decorator (or call) adds one entry.

Envs are also registered with gymnasium under the ``mmturn/`` namespace, so after ``import mmturn``
``gymnasium.make("mmturn/<Name>-v0")`` works.
"""
from __future__ import annotations

import importlib
import os
from typing import Any, Callable, Generic, TypeVar

import gymnasium as gym

T = TypeVar("T")

BUILTIN_MODULES = (
    "mmturn.vision.scorers",
    "mmturn.vision.models.baselines",
    "mmturn.vision.models.openai_chat",
    "mmturn.vision.models.hf",
    "mmturn.vision.dialogue.baselines",
    "mmturn.vision.dialogue.tasks",
    "mmturn.vision.editing.tasks",
    "mmturn.vision.models.image_edit",
    "mmturn.embodied.gui.tasks",
    "mmturn.embodied.gui.ocr_agent",
    "mmturn.embodied.nav.tasks",
    "mmturn.embodied.nav.baselines",
    "mmturn.embodied.nav.clip_agent",
)


class UnknownName(KeyError):
    """A name that is not registered; the message lists what is."""

    def __str__(self) -> str:
        return str(self.args[0])


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._missing: dict[str, str] = {}  # names known but not usable here, and what they need

    def add(self, name: str, item: T) -> T:
        if name in self._items and self._items[name] is not item:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        return item

    def register(self, name: str) -> Callable[[T], T]:
        return lambda item: self.add(name, item)

    def unavailable(self, name: str, needs: str) -> None:
        """Name an entry whose requirement is missing here (e.g. a conda-only simulator): asking for it
        says what it needs instead of "unknown"."""
        self._missing[name] = needs

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            if name in self._missing:
                raise UnknownName(f"{self.kind} {name!r} {self._missing[name]}") from None
            known = ", ".join(sorted(self._items)) or "none"
            raise UnknownName(f"unknown {self.kind} {name!r}; known {self.kind}s: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        return name in self._items


ENVS: Registry[type] = Registry("env")
TASKS: Registry[Any] = Registry("task")
SCORERS: Registry[Callable] = Registry("scorer")
MODELS: Registry[type] = Registry("model")


def register_env(name: str, **default_kwargs: Any) -> Callable[[type], type]:
    """Class decorator: registers an env as ``mmturn/<name>`` in mmturn and in gymnasium."""

    def wrap(cls: type) -> type:
        ENVS.add(f"mmturn/{name}", cls)
        gym_id = f"mmturn/{name}"
        if gym_id not in gym.registry:
            gym.register(id=gym_id, entry_point=cls, kwargs=default_kwargs)
        return cls

    return wrap


def register_model(name: str) -> Callable[[type], type]:
    return MODELS.register(name)


def register_scorer(name: str) -> Callable[[Callable], Callable]:
    return SCORERS.register(name)


def register_task(task: Any) -> Any:
    return TASKS.add(task.name, task)


PLUGINS_VAR = "MMTURN_PLUGINS"  # comma-separated modules of your own envs, tasks, scorers, models


def load_builtins(plugins: bool = True) -> None:
    """Import the modules that register mmturn's built-in envs, tasks, scorers and models, then the
    plugin modules named in $MMTURN_PLUGINS (worker processes and Ray actors inherit it)."""
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for module in [] if not plugins else filter(None, (m.strip() for m in os.environ.get(PLUGINS_VAR, "").split(","))):
        try:
            importlib.import_module(module)
        except Exception as e:  # noqa: BLE001 (a user's module: its failure is one line, not a traceback)
            raise PluginError(f"plugin {module!r} failed to import: {type(e).__name__}: {e}") from None


class PluginError(ValueError):
    """A plugin module (--plugins, $MMTURN_PLUGINS) that does not import."""
