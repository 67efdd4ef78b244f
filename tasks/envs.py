"""Importing this module registers every built-in env (and the plugins) with gymnasium, so that
``gymnasium.make("mmturn/ImageDialogue-v0")`` works; ``gymnasium.make("mmturn.tasks.envs:mmturn/ImageDialogue-v0")``
imports it on the way. ``import mmturn`` alone registers nothing."""

from mmturn.tasks.registry import load_builtins

load_builtins()
