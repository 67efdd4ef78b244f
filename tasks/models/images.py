"""Images for model adapters: a part as a PNG data URI (for APIs; memoised by content hash so a
dialogue's history never re-encodes an image) or a PIL image (for HF processors)."""

from __future__ import annotations

import base64
import functools

from PIL import Image

from mmturn.tasks.imaging import png_bytes
from mmturn.tasks.types import Part

_CACHE_SIZE = 256


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _png_b64(digest: str, part: Part) -> str:
    return base64.b64encode(png_bytes(part.image)).decode("ascii")


def data_uri(part: Part) -> str:
    """``data:image/png;base64,...`` of an image part."""
    return "data:image/png;base64," + _png_b64(part.digest, part)


def pil_image(part: Part, max_side: int | None = None) -> Image.Image:
    img = Image.fromarray(part.image)
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side))
    return img
