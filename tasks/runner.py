"""Plays episodes of tasks against a model, logs every turn, and turns the logs into results.

Episodes run concurrently (up to the model's ``concurrency``, at least one per env host) on an
asyncio loop; each has its own env, on a host placed by the executor (see executors.py), and a seed
derived from (run seed, task, index). An episode whose host dies or hangs is replayed on a fresh
one. Finished episodes are skipped on ``--resume``; unfinished or errored ones are played again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mmturn.tasks.conversation import Conversation
from mmturn.tasks.env import episode_seed
from mmturn.tasks.executors import Host, default_workers, ensure_ray, make_hosts
from mmturn.tasks.logs import RunDir, finished_episodes, locked, write_atomic
from mmturn.tasks.model import Model, check_plays
from mmturn.tasks.records import EpisodeKey, EpisodeRecord, TurnRecord
from mmturn.tasks.registry import TASKS
from mmturn.tasks.results import load_results, resume_conflicts, run_config, write_results
from mmturn.tasks.run_index import run_index
from mmturn.tasks.task import Task
from mmturn.tasks.types import Request
from mmturn.tasks.usage import Budget, BudgetReached
from mmturn.tasks.worker import WorkerLost

log = logging.getLogger("mmturn")


@dataclass
class RunConfig:
    tasks: list[str]
    model: str
    model_args: dict[str, Any] = field(default_factory=dict)
    task_args: dict[str, Any] = field(default_factory=dict)
    limit: int | None = None
    smoke: bool = False  # the no-argument run: each task plays its own smoke_limit episodes (unless limit is set)
    repeats: int = 1
    seed: int = 0
    output_dir: Path = Path("mmturn-out")
    resume: bool = False
    max_errors: float = 0.1  # a fraction of episodes (< 1) or a count (>= 1) of errored episodes that aborts the run
    history: int | None = None  # keep only the last N user turns (and replies) in the prompt; None: all
    turn_timeout_s: float = 600.0
    progress: bool = True
    executor: str = "local"  # where envs run: inline (this process), local (worker processes) or ray
    workers: int | None = (
        None  # env hosts (worker processes or Ray actors); None: every core (every CPU of the Ray cluster)
    )
    ray_address: str | None = None
    env_timeout_s: float = 300.0  # one env call (reset / step) longer than this is a hung worker
    worker_retries: int = 2  # replays of an episode whose worker died or hung
    max_cost: float | None = None  # stop cleanly once the model's replies cost this much (price_in / price_out)
    max_tokens_total: int | None = None  # stop cleanly once replies used this many tokens (prompt + completion)


class TooManyErrors(RuntimeError):
    pass


class HostPool:
    """A task's env hosts and the episode slots on them: an episode takes a slot on the least busy host."""

    def __init__(self, hosts: list[Host]) -> None:
        self.hosts = hosts
        self.busy = [0] * len(hosts)
        self.free: list[list[int]] = [[] for _ in hosts]
        self.next_slot = [0] * len(hosts)

    def take(self) -> tuple[Host, int, int]:
        k = min(range(len(self.hosts)), key=self.busy.__getitem__)
        self.busy[k] += 1
        if self.free[k]:
            return self.hosts[k], k, self.free[k].pop()
        self.next_slot[k] += 1
        return self.hosts[k], k, self.next_slot[k] - 1

    def give(self, k: int, slot: int) -> None:
        self.busy[k] -= 1
        self.free[k].append(slot)

    async def close(self) -> None:
        await asyncio.gather(*(h.close() for h in self.hosts), return_exceptions=True)


class Runner:
    def __init__(self, cfg: RunConfig, model: Model, run_dir: RunDir) -> None:
        self.cfg, self.model, self.dir = cfg, model, run_dir
        self.errors = 0
        self.total = 0
        self.finishing: set[asyncio.Future] = set()
        self.described: dict[str, dict[str, Any]] = {}  # each task's env: image actions, tools, facts
        self.asked: dict[str, int] = {}  # episodes (x repeats) each task was asked to play
        self.budget = Budget(
            cfg.max_cost, cfg.max_tokens_total, getattr(model, "price_in", None), getattr(model, "price_out", None)
        )

    async def play(self, task: Task, pool: HostPool, index: int, repeat: int, bar: tqdm | None) -> None:
        host, k, slot = pool.take()
        seed = episode_seed(self.cfg.seed, task.episodes_key, index)
        try:
            for retry in range(self.cfg.worker_retries + 1):
                key = EpisodeKey(task.name, index, repeat, uuid.uuid4().hex[:12], seed)
                turn = [0]
                try:
                    await self.attempt(task, host, slot, key, turn)
                    return
                except WorkerLost as e:  # the worker died or hung: log it, replay the episode on a fresh one
                    if retry == self.cfg.worker_retries:
                        self.failed(task, key, turn[0], e)
                    else:
                        self.log_error(task, key, turn[0], e)
                except (asyncio.CancelledError, BudgetReached):
                    raise
                except Exception as e:  # an env or model failure costs this episode, not the run
                    self.failed(task, key, turn[0], e)
                    return
        finally:
            pool.give(k, slot)
            if bar is not None:
                bar.update(1)

    async def attempt(self, task: Task, host: Host, slot: int, key: EpisodeKey, turn: list[int]) -> None:
        """Play one episode from its start; ``turn[0]`` counts the turns played (for error records)."""
        writes: list = []
        options = {"index": key.index, "native_tools": self.model.tools}
        obs, info, episode_id, png = await host.call("reset", slot, key.seed, options)
        conversation = Conversation()
        tools = tuple(self.described[task.name]["tools"])
        while True:
            conversation.observe(obs["parts"])
            request = Request(
                conversation.window(self.cfg.history if self.cfg.history is not None else task.history),
                key.seed,
                info["hints"],
                key.repeat,
                turn[0],
                tools,
            )
            self.budget.check()
            reply = await asyncio.wait_for(self.model.respond(request), self.cfg.turn_timeout_s)
            self.budget.add(reply.input_tokens, reply.output_tokens, reply.cached)
            started = time.perf_counter()
            obs_next, reward, terminated, truncated, info, episode_id, png_next = await host.call("step", slot, reply)
            observation, pending = self.dir.observation(obs["parts"], png)
            reply_images, pending_reply = self.dir.observation(reply.images)
            writes += pending + pending_reply
            self.dir.append(
                task.name,
                TurnRecord(
                    **key.key(),
                    turn=turn[0],
                    episode_id=episode_id,
                    observation=observation,
                    reply=reply.text,
                    reply_images=reply_images,
                    tool_calls=[c.to_json() for c in reply.tool_calls],
                    reward=reward,
                    scores=info.get("scores", {}),
                    target=info.get("target", {}),
                    error=info.get("error"),
                    details=info.get("details", {}),
                    model_error=reply.error,
                    reasoning=reply.reasoning,
                    reasoning_truncated=reply.reasoning_truncated,
                    reasoning_tokens=reply.reasoning_tokens,
                    latency_s=reply.latency_s,
                    env_s=time.perf_counter() - started,
                    input_tokens=reply.input_tokens,
                    output_tokens=reply.output_tokens,
                    cached=reply.cached,
                    terminated=terminated,
                    truncated=truncated,
                ),
            )
            log.debug("turn done %s %d/%d turn %d", task.name, key.index, key.repeat, turn[0])
            conversation.reply(reply)
            turn[0] += 1
            if terminated or truncated:
                break
            obs, png = obs_next, png_next
        done = EpisodeRecord(**key.key(), status="done", turns=turn[0], finished_at=time.time())
        finishing = asyncio.ensure_future(self.finish(task, writes, done))
        self.finishing.add(finishing)
        finishing.add_done_callback(self.finishing.discard)  # a long run keeps only the pending ones

    async def finish(self, task: Task, writes: list, done: EpisodeRecord) -> None:
        """Mark an episode done once its images are on disk (the next episode plays meanwhile)."""
        try:
            for write in writes:
                await asyncio.wrap_future(write)
        except Exception as e:
            self.failed(task, done, done.turns, e)
        else:
            self.dir.append(task.name, done)

    def log_error(self, task: Task, key: EpisodeKey, turn: int, error: Exception) -> str:
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        log.warning("episode %s #%d (repeat %d) failed at turn %d: %s", task.name, key.index, key.repeat, turn, message)
        self.dir.append(
            task.name,
            EpisodeRecord(
                **key.key(), status="error", turns=turn, error=message, traceback=traceback.format_exc(limit=5)
            ),
        )
        return message

    def failed(self, task: Task, key: EpisodeKey, turn: int, error: Exception) -> None:
        self.errors += 1
        message = self.log_error(task, key, turn, error)
        if self._too_many_errors():
            raise TooManyErrors(
                f"{self.errors} episodes failed (limit --max-errors {self.cfg.max_errors}); last: {message}"
            ) from error

    def _too_many_errors(self) -> bool:
        limit = self.cfg.max_errors
        return self.errors > (limit * max(self.total, 1) if limit < 1 else limit)

    async def run_task(self, task: Task) -> None:
        cfg = self.cfg
        workers = (
            cfg.workers if cfg.workers is not None else (_ray_cpus() if cfg.executor == "ray" else default_workers())
        )
        pool = HostPool(make_hosts(cfg.executor, task.name, cfg.task_args, workers, cfg.env_timeout_s))
        jobs: list[asyncio.Future] = []
        bar = None
        try:
            described = self.described[task.name] = await pool.hosts[0].call("describe")
            count = task.episode_count(described["size"], task.requested_limit(cfg.limit, cfg.smoke))
            self.asked[task.name] = count * cfg.repeats
            records = self.dir.read(task.name, repair=True)  # empty unless resuming
            self.budget.add_records(records)
            done = set(finished_episodes(records))
            todo = [(i, r) for i in range(count) for r in range(cfg.repeats) if (i, r) not in done]
            self.total += count * cfg.repeats
            bar = tqdm(total=len(todo), desc=task.name, unit="ep", disable=not cfg.progress, leave=False)
            # two episodes per host at least: while the runner handles one's reply, the host steps the other
            limit = asyncio.Semaphore(max(1, self.model.concurrency, 2 * len(pool.hosts)))

            async def guarded(i: int, r: int) -> None:
                async with limit:
                    await self.play(task, pool, i, r, bar)

            jobs = [asyncio.ensure_future(guarded(i, r)) for i, r in todo]
            try:
                await asyncio.gather(*jobs)
            except BudgetReached:  # a clean stop: episodes in play are dropped, finished ones are kept
                for job in jobs:
                    job.cancel()
                await asyncio.gather(*jobs, return_exceptions=True)
                await asyncio.gather(*self.finishing, return_exceptions=True)
                raise
            await asyncio.gather(*self.finishing)
        finally:
            for job in [*jobs, *self.finishing]:
                job.cancel()
            await asyncio.gather(*jobs, *self.finishing, return_exceptions=True)
            self.finishing.clear()
            if bar is not None:
                bar.close()
            await pool.close()


def _ray_cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def output_folder(out: Path, resume: bool) -> Path:
    """The run folder, created if needed; a wrong one is a one-line ValueError naming the argument: a file, a
    folder under a file, one that cannot be created, or (``--resume``) one that does not exist."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"argument --output-dir: {out} is a file, not a folder")
    if any(p.exists() and not p.is_dir() for p in out.parents):
        raise ValueError(f"argument --output-dir: {out} is under a file")
    if resume and not out.is_dir():
        raise ValueError(f"argument --resume: {out} does not exist; there is no run to resume")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"argument --output-dir: cannot create {out}: {e.strerror or e}") from None
    return out


RUN_FILE = "run.json"  # the experiment's configuration, written before the first episode


def prepare_output(cfg: RunConfig, config: dict[str, Any]) -> RunDir:
    """The run folder, checked: a new run needs an empty one; ``--resume`` needs an existing run whose
    stored configuration is this one's (see ``resume_conflicts``). Writes this run's run.json."""
    out = Path(cfg.output_dir)
    stored_path = out / RUN_FILE
    if cfg.resume:
        stored = (
            json.loads(stored_path.read_text(encoding="utf-8"))
            if stored_path.exists()
            else (load_results(out)["config"] if (out / "results.json").exists() else None)
        )
        if stored is None:
            raise ValueError(f"argument --resume: {out} holds no mmturn run ({RUN_FILE} and results.json are missing)")
        if differ := resume_conflicts(stored, config):
            raise ValueError(f"--resume of {out} with another experiment; these differ: {'; '.join(differ)}")
    elif any(out.glob("samples/*.jsonl")) or stored_path.exists():
        raise FileExistsError(
            f"{out} already holds a run: pass --resume to complete it, or choose another --output-dir"
        )
    try:
        run_dir = RunDir(out)
        write_atomic(stored_path, json.dumps(config, indent=2))  # a resume may have raised --limit
    except OSError as e:
        raise ValueError(f"argument --output-dir: cannot write to {out}: {e.strerror or e}") from None
    return run_dir


async def run(cfg: RunConfig, model: Model) -> dict[str, Any]:
    """Run every task of ``cfg`` with ``model``; write samples, results.json; return the results.
    The run folder is locked for the whole run; results.json is written at the end (also when the run
    is interrupted), but never by a run that wrote no record over an existing one."""
    tasks = [TASKS.get(name) for name in cfg.tasks]
    for task in tasks:
        check_plays(cfg.model, task)
        task.typed_args(cfg.task_args)
    if cfg.executor == "ray":
        ensure_ray(cfg.ray_address)
    config = run_config(cfg, tasks, model.describe())
    with locked(output_folder(cfg.output_dir, cfg.resume)):
        run_dir = prepare_output(cfg, config)
        runner = Runner(cfg, model, run_dir)
        try:
            for task in tasks:
                await runner.run_task(task)
        finally:
            run_dir.close()
            await model.aclose()
            if run_dir.appended or not (run_dir.root / "results.json").exists():
                stored = load_results(run_dir.root)["counts"] if (run_dir.root / "results.json").exists() else {}
                asked = {t: c.get("asked") for t, c in stored.items() if isinstance(c, dict)} | runner.asked
                facts = {name: d["facts"] for name, d in runner.described.items() if d.get("facts")}
                write_results(run_dir, config, tasks, asked, facts=facts, prices=runner.budget)
                run_index(run_dir.root)  # the viewer's episode index, ready before anyone opens the run
        return load_results(run_dir.root)
