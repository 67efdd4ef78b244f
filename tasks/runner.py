"""Plays episodes of tasks against a model, logs every turn, and turns the logs into results.

Episodes run concurrently (up to the model's ``concurrency``) on an asyncio loop; each has its own
env instance and a seed derived from (run seed, task, index). Finished episodes are skipped on
``--resume``; unfinished or errored ones are played again from the start.
"""
from __future__ import annotations

import asyncio
import logging
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mmturn.tasks.env import MultiTurnEnv, episode_seed
from mmturn.tasks.logs import RunDir, finished_episodes
from mmturn.tasks.model import Model
from mmturn.tasks.registry import TASKS
from mmturn.tasks.results import load_results, write_results
from mmturn.tasks.task import Task
from mmturn.tasks.types import Message, Part, Request

log = logging.getLogger("mmturn")


@dataclass
class RunConfig:
    tasks: list[str]
    model: str
    model_args: dict[str, Any] = field(default_factory=dict)
    task_args: dict[str, Any] = field(default_factory=dict)
    limit: int | None = None
    repeats: int = 1
    seed: int = 0
    output_dir: Path = Path("mmturn-out")
    resume: bool = False
    max_errors: float = 0.1  # a fraction of episodes (< 1) or a count (>= 1) of errored episodes that aborts the run
    history: int | None = None  # keep only the last N user turns (and replies) in the prompt; None: all
    turn_timeout_s: float = 600.0
    progress: bool = True


class TooManyErrors(RuntimeError):
    pass


class EpisodePool:
    """One env per concurrently played episode; extra envs are spawned from the first (datasets parse
    once; simulators get their own worker)."""

    def __init__(self, task: Task, task_args: dict[str, Any]) -> None:
        self.first = task.make_env(task_args)
        self.free: list[MultiTurnEnv] = [self.first]
        self.all: list[MultiTurnEnv] = [self.first]

    def take(self) -> MultiTurnEnv:
        if self.free:
            return self.free.pop()
        env = self.first.spawn()
        self.all.append(env)
        return env

    def give(self, env: MultiTurnEnv) -> None:
        self.free.append(env)

    def close(self) -> None:
        for env in self.all:
            env.close()


def _window(messages: list[Message], history: int | None) -> list[Message]:
    if history is None:
        return list(messages)
    users = [i for i, m in enumerate(messages) if m.role == "user"]
    start = users[-history] if len(users) >= history else 0
    return messages[start:]


class Runner:
    def __init__(self, cfg: RunConfig, model: Model, run_dir: RunDir) -> None:
        self.cfg, self.model, self.dir = cfg, model, run_dir
        self.errors = 0
        self.total = 0
        self.finishing: list[asyncio.Future] = []

    async def play(self, task: Task, pool: EpisodePool, index: int, repeat: int, bar: tqdm | None) -> None:
        env = pool.take()
        seed = episode_seed(self.cfg.seed, task.episodes_key, index)
        attempt = uuid.uuid4().hex[:12]
        base = {"task": task.name, "index": index, "repeat": repeat, "attempt": attempt, "seed": seed}
        turn = 0
        writes: list = []
        try:
            obs, info = env.reset(seed=seed, options={"index": index})
            messages: list[Message] = []
            while True:
                messages.append(Message("user", obs["parts"]))
                request = Request(_window(messages, self.cfg.history if self.cfg.history is not None else task.history), seed,
                                  info["privileged"], repeat, turn)
                reply = await asyncio.wait_for(self.model.respond(request), self.cfg.turn_timeout_s)
                started = time.perf_counter()
                obs_next, reward, terminated, truncated, info = env.step(reply.text)
                observation, pending = self.dir.observation(obs["parts"])
                writes += pending
                self.dir.append(task.name, {
                    "type": "turn", **base, "turn": turn, "episode_id": getattr(env, "episode", None) and env.episode.id,
                    "observation": observation, "reply": reply.text, "reward": reward,
                    "scores": info.get("scores", {}), "target": info.get("target", {}), "error": info.get("error"),
                    "details": info.get("details", {}), "model_error": reply.error, "latency_s": reply.latency_s,
                    "env_s": time.perf_counter() - started, "input_tokens": reply.input_tokens,
                    "output_tokens": reply.output_tokens, "cached": reply.cached, "terminated": terminated, "truncated": truncated,
                })
                log.debug("turn done %s %d/%d turn %d", task.name, index, repeat, turn)
                messages.append(Message("assistant", (Part.of_text(reply.text),)))
                turn += 1
                if terminated or truncated:
                    break
                obs = obs_next
            done = {"type": "episode", **base, "status": "done", "turns": turn}
            self.finishing.append(asyncio.ensure_future(self.finish(task, writes, done)))
        except asyncio.CancelledError:
            raise
        except Exception as e:  # an env or model failure costs this episode, not the run
            self.failed(task, base, turn, e)
        finally:
            pool.give(env)
            if bar is not None:
                bar.update(1)

    async def finish(self, task: Task, writes: list, done: dict[str, Any]) -> None:
        """Mark an episode done once its images are on disk (the next episode plays meanwhile)."""
        try:
            for write in writes:
                await asyncio.wrap_future(write)
        except Exception as e:
            self.failed(task, done, done["turns"], e)
        else:
            self.dir.append(task.name, done)

    def failed(self, task: Task, base: dict[str, Any], turn: int, error: Exception) -> None:
        self.errors += 1
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        log.warning("episode %s #%d (repeat %d) failed at turn %d: %s", task.name, base["index"], base["repeat"], turn, message)
        record = {k: base[k] for k in ("task", "index", "repeat", "attempt", "seed")}
        self.dir.append(task.name, {"type": "episode", **record, "status": "error", "turns": turn, "error": message,
                                    "traceback": traceback.format_exc(limit=5)})
        if self._too_many_errors():
            raise TooManyErrors(f"{self.errors} episodes failed (limit --max-errors {self.cfg.max_errors}); last: {message}") from error

    def _too_many_errors(self) -> bool:
        limit = self.cfg.max_errors
        return self.errors > (limit * max(self.total, 1) if limit < 1 else limit)

    async def run_task(self, task: Task) -> None:
        pool = EpisodePool(task, self.cfg.task_args)
        count = task.episode_count(pool.first, self.cfg.limit)
        done = set(finished_episodes(self.dir.read(task.name, repair=True)))  # empty unless resuming
        todo = [(i, r) for i in range(count) for r in range(self.cfg.repeats) if (i, r) not in done]
        self.total += count * self.cfg.repeats
        bar = tqdm(total=len(todo), desc=task.name, unit="ep", disable=not self.cfg.progress, leave=False)
        limit = asyncio.Semaphore(max(1, self.model.concurrency))

        async def guarded(i: int, r: int) -> None:
            async with limit:
                await self.play(task, pool, i, r, bar)

        jobs = [asyncio.ensure_future(guarded(i, r)) for i, r in todo]
        try:
            await asyncio.gather(*jobs)
            await asyncio.gather(*self.finishing)
        finally:
            for job in jobs + self.finishing:
                job.cancel()
            await asyncio.gather(*jobs, *self.finishing, return_exceptions=True)
            self.finishing.clear()
            bar.close()
            pool.close()


def prepare_output(cfg: RunConfig) -> RunDir:
    out = Path(cfg.output_dir)
    if not cfg.resume and any(out.glob("samples/*.jsonl")):
        raise FileExistsError(f"{out} already holds a run: pass --resume to complete it, or choose another --output-dir")
    return RunDir(out)


async def run(cfg: RunConfig, model: Model) -> dict[str, Any]:
    """Run every task of ``cfg`` with ``model``; write samples, results.json; return the results."""
    tasks = [TASKS.get(name) for name in cfg.tasks]
    run_dir = prepare_output(cfg)
    runner = Runner(cfg, model, run_dir)
    try:
        for task in tasks:
            await runner.run_task(task)
    finally:
        run_dir.close()
        await model.aclose()
        write_results(run_dir, cfg, tasks, model.describe())
    return load_results(run_dir.root)
