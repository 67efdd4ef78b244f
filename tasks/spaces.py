"""Gymnasium spaces for multi-turn episodes: an interleaved text+image turn, and free unicode reply text."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from mmturn.tasks.types import Part

_MAX_CODEPOINT = 0x10FFFF


def _random_text(rng: np.random.Generator, max_length: int) -> str:
    """Random unicode text, surrogates excluded, biased towards ASCII so that parsers are exercised too."""
    n = int(rng.integers(0, max_length + 1))
    ascii_codes = rng.integers(32, 127, size=n)
    any_codes = rng.integers(0, _MAX_CODEPOINT + 1, size=n)
    codes = np.where(rng.random(n) < 0.7, ascii_codes, any_codes)
    codes = np.where((codes >= 0xD800) & (codes <= 0xDFFF), 0xFFFD, codes)
    return "".join(map(chr, codes.tolist()))


class UnicodeText(spaces.Space[str]):
    """Any unicode string up to max_length characters: the action space (the model's reply), and
    text fields of observations (e.g. an accessibility tree as JSON)."""

    def __init__(self, max_length: int = 1_000_000, seed: int | None = None):
        self.max_length = max_length
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        return _random_text(self.np_random, 64)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"UnicodeText(max_length={self.max_length})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, UnicodeText) and other.max_length == self.max_length


class Interleaved(spaces.Space[tuple]):
    """A user turn: an ordered tuple of Parts, each text or an RGB uint8 image with sides in [min_side, max_side]."""

    def __init__(self, max_parts: int = 64, min_side: int = 1, max_side: int = 4096, seed: int | None = None):
        self.max_parts, self.min_side, self.max_side = max_parts, min_side, max_side
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def _part_ok(self, p: Any) -> bool:
        if not isinstance(p, Part):
            return False
        if p.kind == "text":
            return isinstance(p.text, str) and p.image is None
        img = p.image
        return (
            p.kind == "image"
            and isinstance(img, np.ndarray)
            and img.dtype == np.uint8
            and img.ndim == 3
            and img.shape[2] == 3
            and self.min_side <= img.shape[0] <= self.max_side
            and self.min_side <= img.shape[1] <= self.max_side
        )

    def contains(self, x: Any) -> bool:
        return isinstance(x, tuple) and len(x) <= self.max_parts and all(self._part_ok(p) for p in x)

    def sample(self, mask: Any = None, probability: Any = None) -> tuple:
        rng = self.np_random
        parts = []
        for _ in range(int(rng.integers(1, 4))):
            if rng.random() < 0.5:
                parts.append(Part.of_text(_random_text(rng, 32)))
            else:
                h, w = (int(v) for v in rng.integers(self.min_side, min(self.max_side, 64) + 1, size=2))
                parts.append(Part.of_image(rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)))
        return tuple(parts)

    def __repr__(self) -> str:
        return f"Interleaved(max_parts={self.max_parts}, sides={self.min_side}..{self.max_side})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Interleaved) and (other.max_parts, other.min_side, other.max_side) == (
            self.max_parts,
            self.min_side,
            self.max_side,
        )
