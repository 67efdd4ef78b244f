"""Model replicas on a Ray cluster: each replica is a Ray actor holding one instance of a registered
model (a local HF model loads its weights once per replica, on the ``num_gpus`` GPUs Ray gives the
actor), and the runner sends each request to the least busy replica. Concurrent requests reach an
actor's event loop together, so an HF replica batches them as it does locally."""

from __future__ import annotations

from typing import Any

from mmturn.tasks.model import Model, make_model
from mmturn.tasks.registry import load_builtins
from mmturn.tasks.types import Reply, Request
from mmturn.tasks.worker import WorkerLost


class ModelActor:
    def __init__(self, name: str, args: dict[str, Any]) -> None:
        load_builtins()
        self.model = make_model(name, args)

    def describe(self) -> dict[str, Any]:
        return {"concurrency": self.model.concurrency, "config": self.model.describe()}

    async def respond(self, request: Request) -> Reply:
        return await self.model.respond(request)


class ModelReplicas(Model):
    def __init__(self, name: str, args: dict[str, Any], replicas: int, num_gpus: float = 0.0) -> None:
        import ray

        self.ray, self.name, self.replicas, self.num_gpus = ray, name, int(replicas), float(num_gpus)
        actor = ray.remote(ModelActor).options(
            num_gpus=self.num_gpus, num_cpus=0, max_restarts=-1, max_task_retries=0, max_concurrency=1000
        )
        self.actors = [actor.remote(name, args) for _ in range(self.replicas)]
        described = ray.get([a.describe.remote() for a in self.actors])
        self.concurrency = sum(d["concurrency"] for d in described)
        self._config = described[0]["config"]
        self._busy = [0] * self.replicas

    async def respond(self, request: Request) -> Reply:
        k = min(range(self.replicas), key=self._busy.__getitem__)
        self._busy[k] += 1
        try:
            return await self.actors[k].respond.remote(request)
        except self.ray.exceptions.RayActorError as e:  # the replica is restarted by Ray; the episode is replayed
            raise WorkerLost(f"model replica {k} of {self.name} died: {type(e).__name__}") from None
        except self.ray.exceptions.RayTaskError as e:
            raise (e.cause if isinstance(e.cause, Exception) else e) from None
        finally:
            self._busy[k] -= 1

    def describe(self) -> dict[str, Any]:
        return {**self._config, "replicas": self.replicas, "num_gpus_per_replica": self.num_gpus}

    async def aclose(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor, no_restart=True)
