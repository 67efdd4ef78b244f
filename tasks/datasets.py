"""Safe reading of users' datasets: every problem is a DatasetError naming file, line and field;
images are read only from inside the dataset root (no URLs, no escaping paths or symlinks)."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import warnings
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image

MAX_IMAGE_PIXELS = 64_000_000  # beyond this an image is treated as a decompression bomb


class DatasetError(ValueError):
    def __init__(self, file: str | Path, line: int | None, field: str | None, message: str) -> None:
        self.file, self.line, self.field, self.message = str(file), line, field, message
        where = f"{file}" + (f", line {line}" if line is not None else "") + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # travels from worker processes and Ray actors as itself
        return DatasetError, (self.file, self.line, self.field, self.message)


def loads_strict(text: str, file: Path, line: int | None = None) -> Any:
    """JSON whose numbers are all finite: a NaN or Infinity (which Python's json accepts) is a DatasetError
    naming its field (``[3].bbox[2]``); an integer too long to parse names the line."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise DatasetError(
            file, line if line is not None else e.lineno, None, f"not valid JSON ({e.msg} at column {e.colno})"
        ) from None
    except ValueError as e:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise DatasetError(file, line, None, f"not valid JSON ({e})") from None
    if (where := _non_finite(value, "")) is not None:
        raise DatasetError(file, line, where or None, "NaN and Infinity are not numbers a dataset may hold")
    return value


def _non_finite(value: Any, where: str) -> str | None:
    """The path of the first NaN / Infinity inside ``value``, or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else where
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _non_finite(item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]")
        if found is not None:
            return found.lstrip(".")
    return None


def _decode(raw: bytes, path: Path, line: int | None = None) -> str:
    """UTF-8 text (a leading BOM, as Excel writes, is dropped); bad bytes name their line."""
    try:
        return raw.decode("utf-8-sig" if line in (None, 1) else "utf-8")
    except UnicodeDecodeError as e:
        where = line if line is not None else raw[: e.start].count(b"\n") + 1
        raise DatasetError(
            path, where, None, f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})"
        ) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise DatasetError(path, None, None, f"cannot read dataset: {e.strerror or e}") from None


def read_text(path: Path) -> str:
    """A dataset file's whole text (UTF-8, BOM accepted)."""
    return _decode(_read_bytes(path), path)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each non-blank line; a malformed line raises DatasetError."""
    for number, raw in enumerate(_read_bytes(path).split(b"\n"), start=1):
        line = _decode(raw, path, number)
        if not line.strip():
            continue
        record = loads_strict(line, path, number)
        if not isinstance(record, dict):
            raise DatasetError(path, number, None, "a record must be a JSON object")
        yield number, record


def read_json(path: Path) -> Any:
    return loads_strict(read_text(path), path)


def require(
    record: dict[str, Any], key: str, kind: type | tuple[type, ...], file: Path, line: int | None, where: str = ""
) -> Any:
    """``record[key]`` if it is of ``kind``; ``where`` prefixes the field in errors (e.g. "[3]." for item 3)."""
    if key not in record:
        raise DatasetError(file, line, where + key, "missing")
    value = record[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise DatasetError(file, line, where + key, f"must be {names}, got {type(value).__name__}")
    return value


def number(
    record: dict[str, Any], key: str, file: Path, line: int | None, where: str = "", default: float | None = None
) -> float:
    """A finite JSON number (not a boolean, not a numeric string) at ``record[key]``, or ``default`` when absent."""
    if key not in record and default is not None:
        return default
    value = require(record, key, (int, float), file, line, where)
    if not math.isfinite(value):
        raise DatasetError(file, line, where + key, f"must be a finite number, got {value!r}")
    return float(value)


def resolve_inside(root: Path, ref: str, file: Path, line: int | None, field: str) -> Path:
    """The path ``ref`` names under ``root``; URLs and anything resolving outside ``root`` are refused."""
    if not isinstance(ref, str) or not ref:
        raise DatasetError(file, line, field, "an image path must be a non-empty string")
    if "://" in ref or ref.startswith(("data:", "//")):
        raise DatasetError(file, line, field, f"URLs are not read ({ref!r}); give a path inside {root}")
    root = root.resolve()
    target = (root / ref).resolve()
    if not target.is_relative_to(root):
        raise DatasetError(file, line, field, f"{ref!r} resolves outside the dataset folder {root}")
    return target


def check_image(root: Path, ref: str, file: Path, line: int | None, field: str) -> None:
    """Fail now, naming file, line and field, if the image would not load when its episode is played:
    the whole file is decoded (JPEGs at 1/8 scale, which still reads every byte), once per process."""
    path = resolve_inside(root, ref, file, line, field)
    with _image_errors(root, ref, file, line, field):
        stat = path.stat()
        _decodes(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=65536)
def _decodes(path: str, mtime_ns: int, size: int) -> bool:
    with _opened(Path(path)) as img:
        img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
        img.load()
    return True


def load_image(root: Path, ref: str, file: Path, line: int | None, field: str) -> np.ndarray:
    """Read an image from inside ``root`` as RGB uint8, refusing bombs and corrupt files."""
    path = resolve_inside(root, ref, file, line, field)
    with _image_errors(root, ref, file, line, field), _opened(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8)


class _TooLarge(ValueError):
    pass


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise _TooLarge(f"has {img.width}x{img.height} pixels, over the limit")
            yield img


@contextlib.contextmanager
def _image_errors(root: Path, ref: str, file: Path, line: int | None, field: str) -> Iterator[None]:
    """Every way an image can fail to load, as one DatasetError naming file, line and field."""
    try:
        yield
    except FileNotFoundError:
        raise DatasetError(file, line, field, f"image {ref!r} not found under {root}") from None
    except _TooLarge as e:
        raise DatasetError(file, line, field, f"{ref!r} {e}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DatasetError(file, line, field, f"{ref!r} is a decompression bomb") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise DatasetError(file, line, field, f"cannot decode image {ref!r}: {e}") from None
