"""Registries of envs, tasks, scorers and models: one decorator (or call) adds one entry.

``import mmturn`` registers nothing: the built-in modules are imported on the first registry lookup,
then the plugins (modules named in ``--plugins`` / ``$MMTURN_PLUGINS``, and the ``mmturn.plugins``
entry-point group of installed packages). Envs are also registered with gymnasium under the
``mmturn/`` namespace: after ``import mmturn.envs``, ``gymnasium.make("mmturn/<Name>-v0")`` works.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import os
from typing import Any, Callable, Generic, TypeVar

import gymnasium as gym

T = TypeVar("T")

CORE_MODULES = (  # the models every family shares; the families themselves are entry points (pyproject.toml)
    "mmturn.tasks.models.baselines",
    "mmturn.tasks.models.openai_chat",
    "mmturn.tasks.models.hf",
    "mmturn.tasks.models.image_edit",
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
        load_builtins()
        try:
            return self._items[name]
        except KeyError:
            if name in self._missing:
                raise UnknownName(f"{self.kind} {name!r} {self._missing[name]}") from None
            known = ", ".join(sorted(self._items)) or "none"
            raise UnknownName(f"unknown {self.kind} {name!r}; known {self.kind}s: {known}") from None

    def names(self) -> list[str]:
        load_builtins()
        return sorted(self._items)

    def __contains__(self, name: str) -> bool:
        load_builtins()
        return name in self._items


ENVS: Registry[type] = Registry("env")
TASKS: Registry[Any] = Registry("task")
SCORERS: Registry[Callable] = Registry("scorer")
MODELS: Registry[type] = Registry("model")


def register_env(name: str, **default_kwargs: Any) -> Callable[[type], type]:
    """Class decorator: registers an env as ``mmturn/<name>`` in mmturn and in gymnasium."""

    def wrap(cls: type) -> type:
        if inspect.isabstract(cls):
            missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
            raise TypeError(f"env {name!r} ({cls.__name__}) does not implement {missing}")
        ENVS.add(f"mmturn/{name}", cls)
        gym_id = f"mmturn/{name}"
        if gym_id not in gym.registry:
            gym.register(id=gym_id, entry_point=cls, kwargs=default_kwargs)  # type: ignore[arg-type]
        return cls

    return wrap


def register_model(name: str) -> Callable[[type], type]:
    return MODELS.register(name)


def register_scorer(name: str) -> Callable[[Callable], Callable]:
    return SCORERS.register(name)


def register_task(task: Any) -> Any:
    return TASKS.add(task.name, task)


PLUGINS_VAR = "MMTURN_PLUGINS"  # comma-separated modules of your own envs, tasks, scorers, models
ENTRY_POINTS = "mmturn.plugins"  # installed packages name their plugin modules in this entry-point group
_loaded: dict[str, Any] = {"builtins": False, "plugins": None}


def load_builtins(plugins: bool = True) -> None:
    """Import (once) the core models and every ``mmturn.plugins`` entry point (mmturn's own families are
    entry points too), then the modules named in $MMTURN_PLUGINS (worker processes and Ray actors inherit
    it). A plugin that fails to import is a PluginError (one line)."""
    if not _loaded["builtins"]:
        _loaded["builtins"] = True
        for module in CORE_MODULES:
            importlib.import_module(module)
        _import(
            [ep.value for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINTS), key=lambda ep: ep.name)]
        )
    named = os.environ.get(PLUGINS_VAR, "")
    if plugins and _loaded["plugins"] != named:
        _loaded["plugins"] = named
        _import([m.strip() for m in named.split(",") if m.strip()])


def _import(modules: list[str]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as e:  # noqa: BLE001 (a user's module: its failure is one line, not a traceback)
            raise PluginError(f"plugin {module!r} failed to import: {type(e).__name__}: {e}") from None


class PluginError(ValueError):
    """A plugin module (--plugins, $MMTURN_PLUGINS, an entry point) that does not import."""
