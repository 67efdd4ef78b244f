"""Where episodes' envs run. An ``EnvHost`` holds the envs of one task in one process, one per
episode slot; an executor places hosts: ``inline`` (in the runner's process), ``local`` (one spawned
worker process per host, ``--workers N``) or ``ray`` (one Ray actor per host, on a Ray cluster).
The model always stays with the runner, so an API model has one connection budget for the whole
run and a local HF model is loaded once and batches the requests of every worker's episodes.
A host that dies or hangs raises ``WorkerLost``: the runner replays its episodes on a fresh one."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import OrderedDict
from typing import Any

from mmturn.tasks.imaging import png_bytes
from mmturn.tasks.registry import PLUGINS_VAR, TASKS, load_builtins
from mmturn.tasks.worker import WORKER_VAR, RemoteCallError, WorkerLost, WorkerProcess

EXECUTORS = ("inline", "local", "ray")
SENT_MEMORY = 4096  # digests of images a worker remembers having sent
# a step's observation and its PNGs (a few hundred KB) travel inline in the reply rather than through
# the object store: about 20% more episodes per second for navigation on a local Ray
RAY_SYSTEM_CONFIG = {"max_direct_call_object_size": 4 << 20, "task_rpc_inlined_bytes_limit": 16 << 20}


class EnvHost:
    """The envs of ``task`` in this process: slot k plays one episode at a time (spawned from the first).
    An env that cannot be built (a bad dataset, a wrong argument) raises its error from every call, so
    that it reaches the runner as itself (e.g. a DatasetError naming file, line and field)."""

    def __init__(self, task: str, task_args: dict[str, Any], isolated: bool = True) -> None:
        self.envs: dict[int, Any] = {}
        self.error: Exception | None = None
        self.encode = isolated  # a worker PNG-encodes its observations' images, so the runner only writes files
        self.sent: OrderedDict[str, None] = OrderedDict()  # images already sent encoded (most recent last)
        if isolated:  # this process is the env worker: simulators may run in it (see worker.isolated)
            os.environ[WORKER_VAR] = "1"
        try:
            load_builtins()
            self.first = TASKS.get(task).make_env(task_args)
        except Exception as e:  # noqa: BLE001 (re-raised by every call)
            self.error = e

    def describe(self) -> dict[str, Any]:
        """What the runner needs to know of the env: whether replies carry images, the dataset size, its
        function tools and the facts results.json records."""
        if self.error is not None:
            raise self.error
        env = self.first
        return {
            "image_actions": env.image_actions,
            "size": env.dataset_size(),
            "tools": env.tools(),
            "facts": env.facts(),
        }

    def _env(self, slot: int):
        if self.error is not None:
            raise self.error
        if slot not in self.envs:
            self.envs[slot] = self.first if not self.envs else self.first.spawn()
        return self.envs[slot]

    def reset(self, slot: int, seed: int, options: dict[str, Any]) -> tuple[dict, dict, str | None, dict[str, bytes]]:
        env = self._env(slot)
        obs, info = env.reset(seed=seed, options=options)
        return obs, info, env.episode_id(), self._png(obs)

    def step(self, slot: int, action: Any) -> tuple[dict, float, bool, bool, dict, str | None, dict[str, bytes]]:
        if slot not in self.envs:  # this process was started after the episode began: its env state is gone
            raise WorkerLost(f"env slot {slot}: the worker was restarted during the episode")
        env = self._env(slot)
        obs, reward, terminated, truncated, info = env.step(action)
        return obs, reward, terminated, truncated, info, env.episode_id(), self._png(obs)

    def _png(self, obs: dict) -> dict[str, bytes]:
        """PNG bytes of the observation's images not sent before (the runner logs each image once)."""
        out = {}
        for p in obs["parts"] if self.encode else ():
            if p.kind == "image" and p.digest not in self.sent:
                out[p.digest] = png_bytes(p.image)
                self.sent[p.digest] = None
                if len(self.sent) > SENT_MEMORY:
                    self.sent.popitem(last=False)
        return out

    def close(self) -> None:
        for env in {id(e): e for e in [getattr(self, "first", None), *self.envs.values()] if e is not None}.values():
            env.close()


class Host:
    """An EnvHost the runner awaits: ``await host.call(method, *args)``."""

    async def call(self, method: str, *args: Any) -> Any:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class InlineHost(Host):
    def __init__(self, task: str, task_args: dict[str, Any], timeout: float) -> None:
        self.host = EnvHost(task, task_args, isolated=False)

    async def call(self, method: str, *args: Any) -> Any:
        return getattr(self.host, method)(*args)

    async def close(self) -> None:
        self.host.close()


class ProcessHost(Host):
    """An EnvHost in a spawned worker process (non-daemonic, so that an env may start processes of its own)."""

    def __init__(self, task: str, task_args: dict[str, Any], timeout: float) -> None:
        self.worker = WorkerProcess(
            "mmturn.tasks.executors.EnvHost", timeout=timeout, daemon=False, start=True, task=task, task_args=task_args
        )

    async def call(self, method: str, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(self.worker.call, method, *args)
        except RemoteCallError as e:  # the env's own exception, as in-process
            raise (e.original or e) from None

    async def close(self) -> None:
        await asyncio.to_thread(self.worker.close)


class RayHost(Host):
    """An EnvHost in a Ray actor (1 CPU), restarted by Ray when it dies; named so that it can be found."""

    def __init__(self, task: str, task_args: dict[str, Any], timeout: float, name: str) -> None:
        import ray

        self.ray, self.timeout, self.name = ray, timeout, name
        actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=0)(EnvHost)
        plugins = {"env_vars": {PLUGINS_VAR: os.environ[PLUGINS_VAR]}} if os.environ.get(PLUGINS_VAR) else None
        self.actor = actor.options(name=name, namespace="mmturn", runtime_env=plugins).remote(task, task_args)

    async def call(self, method: str, *args: Any) -> Any:
        ref = getattr(self.actor, method).remote(*args)
        try:
            return await asyncio.wait_for(ref, self.timeout)
        except asyncio.TimeoutError:
            self.ray.kill(self.actor, no_restart=False)
            raise WorkerLost(
                f"env actor {self.name}: {method} took longer than {self.timeout} s; the actor was restarted"
            ) from None
        except self.ray.exceptions.RayActorError as e:
            raise WorkerLost(f"env actor {self.name} died during {method}: {type(e).__name__}") from None
        except self.ray.exceptions.RayTaskError as e:  # the env's own exception, as in-process
            raise (e.cause if isinstance(e.cause, Exception) else RemoteCallError(str(e))) from None

    async def close(self) -> None:
        self.ray.kill(self.actor, no_restart=True)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ensure_ray(address: str | None) -> None:
    """Connect to the Ray cluster at ``address`` (``auto``, ``ray://host:port``), or start a local one."""
    try:
        import ray
    except ImportError:
        raise ValueError("--executor ray needs Ray: pip install 'mmturn[dist]'") from None
    if not ray.is_initialized():
        local = {"num_cpus": default_workers(), "include_dashboard": False, "_system_config": RAY_SYSTEM_CONFIG}
        ray.init(
            address=address,
            namespace="mmturn",
            log_to_driver=False,
            ignore_reinit_error=True,
            **({} if address else local),
        )


def make_hosts(executor: str, task: str, task_args: dict[str, Any], workers: int, timeout: float) -> list[Host]:
    if executor == "inline":
        return [InlineHost(task, task_args, timeout)]
    if executor == "local":
        return [ProcessHost(task, task_args, timeout) for _ in range(max(1, workers))]
    if executor == "ray":
        run = uuid.uuid4().hex[:8]
        return [RayHost(task, task_args, timeout, f"mmturn-env-{task}-{run}-{k}") for k in range(max(1, workers))]
    raise ValueError(f"unknown executor {executor!r}; known: {', '.join(EXECUTORS)}")
