"""An object living in its own spawned worker process: simulators (a crash or hang costs one episode,
not the run, and a simulator's OpenGL, Mesa's llvmpipe LLVM, never meets torchvision's triton LLVM in
one process, which segfaults) and the runner's env hosts. The parent sends (method, args) and waits
at most ``timeout`` seconds per call; a worker that dies or hangs is killed and started afresh on
the next call."""

from __future__ import annotations

import importlib
import importlib.util
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import traceback
from typing import Any


class WorkerError(RuntimeError):
    """A call into a worker failed."""


class RemoteCallError(WorkerError):
    """The call raised inside the worker (which keeps serving); ``original`` is that exception when it could be sent."""

    original: Exception | None = None


class WorkerLost(WorkerError):
    """The worker died during the call; its state is gone."""


class WorkerHung(WorkerLost, TimeoutError):
    """The call took longer than its timeout; the worker was stopped."""


def _serve(conn, factory: str, kwargs: dict[str, Any]) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the run and then closes its workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    module, _, name = factory.rpartition(".")
    obj = getattr(__import__(module, fromlist=[name]), name)(**kwargs)
    while True:
        try:
            method, args = conn.recv()
        except (EOFError, OSError):  # the parent is gone (even killed): so is this worker
            break
        if method == "close":
            getattr(obj, "close", lambda: None)()
            break
        try:
            answer: tuple = ("ok", getattr(obj, method)(*args))
        except Exception as e:  # the parent decides; the worker keeps serving
            answer = ("error", (_picklable(e), f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}"))
        try:
            conn.send(answer)
        except (BrokenPipeError, EOFError, OSError):  # the parent is gone: end quietly
            break


def _picklable(error: Exception) -> Exception | None:
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 (an exception that does not travel is reported by its text)
        return None


def _stdin_hint() -> str:
    """Why a worker cannot start when the main script came from stdin (spawn re-imports the main module)."""
    if getattr(sys.modules.get("__main__"), "__file__", None) != "<stdin>":
        return ""
    return ' (a main script fed on stdin cannot start workers: run it from a file, under if __name__ == "__main__":)'


class WorkerProcess:
    """An instance of ``factory`` (a dotted class path) built with ``kwargs`` in a spawned process.
    Calls are serialised (thread-safe); ``daemon=False`` lets the worker start workers of its own."""

    def __init__(
        self, factory: str, timeout: float = 60.0, daemon: bool = True, start: bool = False, **kwargs: Any
    ) -> None:
        self.factory, self.kwargs, self.timeout, self.daemon = factory, kwargs, timeout, daemon
        self.process: Any = None  # the spawned multiprocessing Process, or None before the first call
        self._lock = threading.Lock()
        if start:  # now, from this thread (the main thread can shield the child from Ctrl-C), not on the first call
            self._start()

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, self.factory, self.kwargs), daemon=self.daemon)
        if threading.current_thread() is not threading.main_thread():
            self.process.start()
            return
        # an ignored SIGINT survives exec: a Ctrl-C while the child is still importing does not reach it
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.process.start()
        finally:
            signal.signal(signal.SIGINT, previous)
        child.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def call(self, method: str, *args: Any, timeout: float | None = None) -> Any:
        with self._lock:
            if self.process is None or not self.process.is_alive():
                self._close(kill=True)
                self._start()
            limit = timeout or self.timeout
            try:
                self.conn.send((method, args))
                answered = self.conn.poll(limit)
                status, value = self.conn.recv() if answered else (None, None)  # type: tuple[str | None, Any]
            except (EOFError, OSError) as e:
                self._close(kill=True)
                raise WorkerLost(
                    f"the worker process died during {method}: {type(e).__name__}{_stdin_hint()}"
                ) from None
            if not answered:
                self._close(kill=True)
                raise WorkerHung(f"worker call {method} took longer than {limit} s; the worker was stopped")
        if status == "error":
            original, text = value  # the exception (None if it could not travel) and its formatted text
            error = RemoteCallError(text)
            error.original = original
            raise error from original
        return value

    def close(self, kill: bool = False) -> None:
        with self._lock:
            self._close(kill)

    def _close(self, kill: bool) -> None:
        if self.process is None:
            return
        if not kill and self.process.is_alive():
            try:
                self.conn.send(("close", ()))
                self.process.join(timeout=10)
            except (OSError, ValueError):
                pass
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()
        self.process = None


WORKER_VAR = "MMTURN_ENV_WORKER"  # set in env worker processes and Ray env actors


class InProcess:
    """WorkerProcess's calls on an object built in this process, on first use."""

    def __init__(self, factory: str, **kwargs: Any) -> None:
        self.factory, self.kwargs, self.obj = factory, kwargs, None

    def call(self, method: str, *args: Any, timeout: float | None = None) -> Any:
        if self.obj is None:
            if importlib.util.find_spec("torchvision") is not None:
                importlib.import_module("torchvision")  # before any OpenGL: the order in which the two LLVMs coexist
            module, _, name = self.factory.rpartition(".")
            self.obj = getattr(importlib.import_module(module), name)(**self.kwargs)
        return getattr(self.obj, method)(*args)

    def close(self, kill: bool = False) -> None:
        self.obj = None


def isolated(factory: str, timeout: float = 60.0, **kwargs: Any) -> WorkerProcess | InProcess:
    """``factory``'s object in a worker process of its own; or in this process when this process already
    is an env worker (isolated, and cut off by the runner when it hangs), which saves two hops per call."""
    if os.environ.get(WORKER_VAR):
        return InProcess(factory, **kwargs)
    return WorkerProcess(factory, timeout=timeout, **kwargs)
