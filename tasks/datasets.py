"""Safe reading of users' datasets: every problem is a DatasetError naming file, line and field;
images are read only from inside the dataset root (no URLs, no escaping paths or symlinks)."""
from __future__ import annotations

import json
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


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each non-blank line; a malformed line raises DatasetError."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as e:
        raise DatasetError(path, None, None, f"cannot read dataset: {e.strerror or e}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise DatasetError(path, number, None, f"not valid JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(record, dict):
                raise DatasetError(path, number, None, "a record must be a JSON object")
            yield number, record


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise DatasetError(path, None, None, f"cannot read dataset: {e.strerror or e}") from None
    except json.JSONDecodeError as e:
        raise DatasetError(path, e.lineno, None, f"not valid JSON ({e.msg})") from None


def require(record: dict[str, Any], key: str, kind: type | tuple[type, ...], file: Path, line: int | None) -> Any:
    if key not in record:
        raise DatasetError(file, line, key, "missing")
    value = record[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise DatasetError(file, line, key, f"must be {names}, got {type(value).__name__}")
    return value


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


def load_image(root: Path, ref: str, file: Path, line: int | None, field: str) -> np.ndarray:
    """Read an image from inside ``root`` as RGB uint8, refusing bombs and corrupt files."""
    path = resolve_inside(root, ref, file, line, field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                if img.width * img.height > MAX_IMAGE_PIXELS:
                    raise DatasetError(file, line, field, f"{ref!r} has {img.width}x{img.height} pixels, over the limit")
                return np.asarray(img.convert("RGB"), dtype=np.uint8)
    except DatasetError:
        raise
    except FileNotFoundError:
        raise DatasetError(file, line, field, f"image {ref!r} not found under {root}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DatasetError(file, line, field, f"{ref!r} is a decompression bomb") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise DatasetError(file, line, field, f"cannot decode image {ref!r}: {e}") from None
