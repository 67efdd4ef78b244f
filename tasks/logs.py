"""The run directory: append-only per-turn sample logs, content-addressed images, atomic result files.

Layout: ``samples/<task>.jsonl`` (one flushed JSON line per turn, and one per finished episode),
``images/<hash>.png`` (each image once), ``results.json`` and ``report.html`` (written atomically).
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import math
import os
import tempfile
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from PIL import Image

from mmturn.tasks.imaging import png_bytes
from mmturn.tasks.records import EpisodeRecord, TurnRecord, schema_problem
from mmturn.tasks.secrets import scrub
from mmturn.tasks.types import Part

log = logging.getLogger("mmturn")


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become None, numpy scalars become Python numbers, tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """JSON text of ``value``; NaN and infinities become null rather than invalid JSON."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_plain)
    except ValueError:
        return json.dumps(_clean(value), ensure_ascii=False, allow_nan=False, default=_plain)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same folder and rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunBusy(RuntimeError):
    """Another process holds the run folder's lock."""


LOCK_NAME = ".lock"
_held: dict[Path, list] = {}  # folders this process has locked: [descriptor, depth]


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the run folder's exclusive lock (``flock`` on ``<root>/.lock``, which the OS releases when the
    process dies) for the duration; re-entrant within one process. Another holder: ``RunBusy``."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such run folder")
    if root in _held:
        _held[root][1] += 1
        try:
            yield
        finally:
            _held[root][1] -= 1
        return
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise RunBusy(f"{root}: run in progress (pid {holder})") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _held[root] = [fd, 1]
    try:
        yield
    finally:
        del _held[root]
        os.close(fd)  # releases the lock


class RunDir:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        (self.root / "samples").mkdir(parents=True, exist_ok=True)
        (self.root / "images").mkdir(exist_ok=True)
        self._handles: dict[str, Any] = {}
        self.appended = 0  # records this process wrote
        self._images: dict[str, Future | None] = {}
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mmturn-images")

    def open_image(self, digest: str) -> Image.Image | None:
        """A logged image by content hash, as RGB; None when it is missing or unreadable."""
        try:
            with Image.open(self.image_path(digest)) as img:
                return img.convert("RGB")
        except OSError:
            return None

    def samples_path(self, task: str) -> Path:
        return self.root / "samples" / f"{task}.jsonl"

    def image_path(self, digest: str) -> Path:
        return self.root / "images" / f"{digest}.png"

    def _write_image(self, part: Part, path: Path, png: bytes | None) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".img.", suffix=".png")
        with os.fdopen(fd, "wb") as f:
            f.write(png if png is not None else png_bytes(part.image))
        os.replace(tmp, path)

    def observation(
        self, parts: Iterable[Part], png: dict[str, bytes] | None = None
    ) -> tuple[list[dict[str, str]], list[Future]]:
        """A turn's parts as log entries (text inline, images by content hash, each stored once as a
        PNG written on a background thread; ``png``: images already encoded, e.g. by an env worker)
        and the pending image writes."""
        png = png or {}
        entries, pending = [], []
        for p in parts:
            if p.kind == "text":
                entries.append({"text": p.text})
                continue
            entries.append({"image": p.digest})
            if p.digest not in self._images:
                path = self.image_path(p.digest)
                future = (
                    self._writer.submit(self._write_image, p, path, png.get(p.digest)) if not path.exists() else None
                )
                self._images[p.digest] = future
                if future is not None:  # once written, only the digest is remembered (a long run stays small)
                    future.add_done_callback(functools.partial(self._written, p.digest))
            if (future := self._images[p.digest]) is not None and not future.done():
                pending.append(future)
        return entries, pending

    def _written(self, digest: str, future: Future) -> None:
        if not future.exception():
            self._images[digest] = None

    def append(self, task: str, record: TurnRecord | EpisodeRecord) -> None:
        handle = self._handles.get(task)
        if handle is None:
            handle = self._handles[task] = self.samples_path(task).open("a", encoding="utf-8")
        handle.write(scrub(dumps(record.to_json())) + "\n")
        handle.flush()
        self.appended += 1

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()

    def read(self, task: str, repair: bool = False) -> list[dict[str, Any]]:
        """All records of a task. A torn last line (a crash mid-write) is reported and, with
        ``repair``, cut off so that its episode is played again; corruption elsewhere is an error.
        Records are not kept in memory between reads, so a long run's memory stays flat."""
        handle = self._handles.get(task)
        if handle is not None:
            handle.flush()
        path = self.samples_path(task)
        if not path.exists():
            return []
        raw = path.read_bytes()
        records, good_end = [], 0
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                good_end += len(line) + 1
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if number < len(lines) - 1 or raw.endswith(b"\n"):
                    raise ValueError(
                        f"{path}, line {number}: corrupt sample record (not the last line; not repaired)"
                    ) from None
                log.warning(
                    "%s: line %d is a torn write; %s",
                    path,
                    number,
                    "cut off, its episode runs again" if repair else "ignored",
                )
                if repair:
                    with path.open("r+b") as f:
                        f.truncate(good_end)
                break
            if problem := record_problem(record):
                raise ValueError(f"{path}, line {number}: not an mmturn sample record ({problem})")
            records.append(record)
            good_end += len(line) + 1
        else:
            if repair and raw and not raw.endswith(b"\n"):  # complete last record, its newline lost
                with path.open("ab") as f:
                    f.write(b"\n")
        return records


RECORD_FIELDS = {"index": int, "repeat": int, "attempt": str}
TURN_FIELDS = {"turn": int, "scores": dict, "observation": list}


def record_problem(record: Any) -> str | None:
    """What makes ``record`` something other than a turn or episode line of a sample log, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    if record.get("type") not in ("turn", "episode"):
        return f"field 'type' is {record.get('type')!r}, not 'turn' or 'episode'"
    if (problem := schema_problem(record.get("schema", 1), "field 'schema'")) is not None:
        return problem
    wanted = {**RECORD_FIELDS, **(TURN_FIELDS if record["type"] == "turn" else {})}
    for key, kind in wanted.items():
        if not isinstance(record.get(key), kind) or isinstance(record.get(key), bool):
            return f"field {key!r} must be {kind.__name__}, got {type(record.get(key)).__name__}"
    return None


def finished_episodes(records: list[dict[str, Any]]) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Turn records of each finished (index, repeat) episode, from the attempt that finished it."""
    done = {
        (r["index"], r["repeat"]): r["attempt"]
        for r in records
        if r.get("type") == "episode" and r.get("status") == "done"
    }
    turns: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        key = (r.get("index"), r.get("repeat"))
        if r.get("type") == "turn" and done.get(key) == r.get("attempt"):
            turns[key].append(r)
    return {key: sorted(turns[key], key=lambda t: t["turn"]) for key in sorted(done)}


def episode_errors(records: list[dict[str, Any]]) -> dict[tuple[int, int], str]:
    """The last error of each episode that has not finished."""
    errors: dict[tuple[int, int], str] = {}
    for r in records:
        if r.get("type") == "episode":
            key = (r["index"], r["repeat"])
            if r.get("status") == "done":
                errors.pop(key, None)
            else:
                errors[key] = r.get("error", "unknown error")
    return errors
