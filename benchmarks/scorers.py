"""CLIP scorer throughput, measured side by side in one run: our ``clip`` scorer's images per second
(preprocessing, batching, content hashing and the feature cache included; every image new) divided by
a raw open_clip batched loop over the same images on the same model (goal: at least 0.9). The model is
an architecture open_clip ships, randomly initialised (no download): the compute is the real one."""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from PIL import Image

import mmturn.tasks.envs  # noqa: F401  (registers the envs with gymnasium)
from mmturn.tasks.registry import SCORERS
from mmturn.tasks.types import Part


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="ViT-B-32")
    parser.add_argument("--pretrained", default=None, help="a local checkpoint; default: random weights")
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    scorer = SCORERS.get("clip")(
        model=args.model, pretrained=args.pretrained, batch_size=args.batch, device=args.device
    )
    model, preprocess = scorer.embedder.model, scorer.embedder.preprocess  # the same weights for both
    rng = np.random.default_rng(0)

    def fresh() -> list[np.ndarray]:
        return [rng.integers(0, 256, (256, 256, 3), dtype=np.uint8) for _ in range(args.images)]

    def raw(arrays: list[np.ndarray]) -> float:
        started = time.perf_counter()
        for k in range(0, len(arrays), args.batch):
            batch = torch.stack([preprocess(Image.fromarray(a)) for a in arrays[k : k + args.batch]]).to(args.device)
            with torch.inference_mode():
                f = model.encode_image(batch)
            (f / f.norm(dim=-1, keepdim=True)).float().cpu().numpy()
        return len(arrays) / (time.perf_counter() - started)

    def ours(arrays: list[np.ndarray]) -> float:
        started = time.perf_counter()
        scorer.image_features([Part.of_image(a) for a in arrays])
        return len(arrays) / (time.perf_counter() - started)

    raw(fresh()[: args.batch])  # warm-up
    rates = [(raw(fresh()), ours(fresh())) for _ in range(3)]
    raw_rate, our_rate = max(r for r, _ in rates), max(o for _, o in rates)
    print(f"{args.model} on {args.device}, {args.images} images of 256x256, batches of {args.batch}")
    print(f"  raw open_clip loop : {raw_rate:.1f} images/s")
    print(f"  mmturn clip scorer : {our_rate:.1f} images/s")
    print(f"  ratio scorer / raw : {our_rate / raw_rate:.3f}   (goal >= 0.9)")


if __name__ == "__main__":
    main()
