"""open_clip image and text embeddings from a local checkpoint (no download): an architecture name,
a checkpoint path, and optionally a folder of model config JSONs for architectures open_clip does
not ship (tests build tiny ones). Batched; cosine similarities between images and texts."""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np
from PIL import Image


class ClipEmbedder:
    def __init__(
        self, model: str, pretrained: str | None = None, model_config: str | None = None, device: str = "cpu"
    ) -> None:
        import open_clip
        import torch

        if model_config:
            open_clip.add_model_config(model_config)
        self.torch, self.device = torch, device
        self.model, _, self.preprocess = open_clip.create_model_and_transforms(
            model, pretrained=pretrained, device=device
        )
        self.model.eval()
        self.tokenizer = open_clip.get_tokenizer(model)

    def image_features(self, images: Sequence[np.ndarray], batch_size: int = 64) -> np.ndarray:
        """Unit-norm image embeddings, computed ``batch_size`` images at a time."""
        out = []
        for start in range(0, len(images), batch_size):
            batch = self.torch.stack(
                [self.preprocess(Image.fromarray(i)) for i in images[start : start + batch_size]]
            ).to(self.device)
            with self.torch.inference_mode():
                f = self.model.encode_image(batch)
            out.append((f / f.norm(dim=-1, keepdim=True)).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0), np.float32)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 (a scorer lives as long as its run; the cache is bounded)
    def _text(self, text: str) -> np.ndarray:
        with self.torch.inference_mode():
            f = self.model.encode_text(self.tokenizer([text]).to(self.device))
        return (f / f.norm(dim=-1, keepdim=True)).float().cpu().numpy()[0]

    def text_features(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._text(t) for t in texts])

    def similarity(self, images: Sequence[np.ndarray], texts: Sequence[str]) -> np.ndarray:
        """Cosine similarity, (images, texts)."""
        return self.image_features(images) @ self.text_features(texts).T
