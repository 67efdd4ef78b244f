"""Each simulator runs in its own process: a crash or hang costs one episode, not the run, and the
simulator's OpenGL (Mesa's llvmpipe LLVM) never meets torchvision's (triton's LLVM) in one process,
which segfaults. The parent sends (method, args) and waits at most ``timeout`` seconds per call."""
from __future__ import annotations

import multiprocessing as mp
import traceback
from typing import Any


class SimulatorError(RuntimeError):
    pass


def _serve(conn, factory: str, kwargs: dict[str, Any]) -> None:
    module, _, name = factory.rpartition(".")
    sim = getattr(__import__(module, fromlist=[name]), name)(**kwargs)
    while True:
        method, args = conn.recv()
        if method == "close":
            break
        try:
            conn.send(("ok", getattr(sim, method)(*args)))
        except Exception as e:  # the parent decides; the worker keeps serving
            conn.send(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"))


class SimulatorProcess:
    """A simulator object (``factory``: a dotted class path) living in a spawned worker process."""

    def __init__(self, factory: str, timeout: float = 60.0, **kwargs: Any) -> None:
        self.factory, self.kwargs, self.timeout = factory, kwargs, timeout
        self.process: mp.Process | None = None

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, self.factory, self.kwargs), daemon=True)
        self.process.start()
        child.close()

    def call(self, method: str, *args: Any, timeout: float | None = None) -> Any:
        if self.process is None or not self.process.is_alive():
            self._start()
        limit = timeout or self.timeout
        try:
            self.conn.send((method, args))
            answered = self.conn.poll(limit)
            status, value = self.conn.recv() if answered else (None, None)
        except (EOFError, OSError) as e:
            self.close(kill=True)
            raise SimulatorError(f"the simulator process died during {method}: {type(e).__name__}") from None
        if not answered:
            self.close(kill=True)
            raise TimeoutError(f"simulator call {method} took longer than {limit} s; the worker was stopped")
        if status == "error":
            raise SimulatorError(value)
        return value

    def close(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if not kill and self.process.is_alive():
            try:
                self.conn.send(("close", ()))
                self.process.join(timeout=5)
            except (OSError, ValueError):
                pass
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()
        self.process = None
