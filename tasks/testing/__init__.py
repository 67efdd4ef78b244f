"""What mmturn checks its own envs with, shipped for plugin authors: ``check_plugin_env(env_id)`` runs
gymnasium's env checker (warnings count as failures), checks that one seed replays its episode byte for
byte and that another seed gives another episode, and steps every turn with seeded hostile replies,
asserting the per-step invariants of ``check_step``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from mmturn.tasks.registry import ENVS
from mmturn.testing.hostile import check_step, hostile_action, hostile_reply, hostile_turn

__all__ = ["check_plugin_env", "check_step", "hostile_action", "hostile_reply", "hostile_turn", "make_env", "play"]


def make_env(env_id: str, **kwargs: Any):
    """The registered env, built with its ``example_kwargs()`` (envs that need arguments) updated by ``kwargs``."""
    import gymnasium as gym

    kwargs = {**ENVS.get(env_id).example_kwargs(), **kwargs}
    return gym.make(env_id, disable_env_checker=True, **kwargs).unwrapped  # made by gymnasium: it carries its spec


def play(env, seed: int, reply=None) -> list:
    """Every observation, reward and score of one episode, answered by the oracle hint (or ``reply``)."""
    obs, info = env.reset(seed=seed)
    trace: list = [obs["parts"]]
    done = False
    while not done:
        action = reply if reply is not None else info["hints"].oracle_action()
        obs, reward, term, trunc, info = env.step(action)
        trace += [obs["parts"], reward, info["scores"]]
        done = term or trunc
    return trace


def same(a: list, b: list) -> bool:
    def equal(x, y):
        return len(x) == len(y) and all(p == q for p, q in zip(x, y)) if isinstance(x, tuple) else x == y

    return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))


def check_plugin_env(env_id: str, hostile_steps: int = 200, seed: int = 0, **kwargs: Any) -> None:
    """Raise AssertionError (or the checker's error) unless ``env_id`` keeps mmturn's env contract."""
    from gymnasium.utils.env_checker import check_env

    env = make_env(env_id, **kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(env)
        first, again, other = play(env, seed), play(env, seed), play(env, seed + 1)
        assert same(first, again), f"{env_id}: the same seed gave another episode"
        assert not same(first, other), f"{env_id}: seeds {seed} and {seed + 1} gave the same episode"
        rng = np.random.default_rng(seed)
        env.reset(seed=seed)
        for _ in range(hostile_steps):
            if check_step(env, hostile_action(env, rng)):
                env.reset(seed=int(rng.integers(2**31)))
    finally:
        env.close()
