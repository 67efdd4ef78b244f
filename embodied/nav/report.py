"""How navigation episodes show in the report: a top-down map with the reference and the agent's path,
start and goal, and a strip of the first first-person frames."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from mmturn.tasks.views import OpenImage, Renderer, TurnView, observation_images, strip  # noqa: E402

FRAMES, FRAME_SIDE = 8, 112


def route_map(details: dict[str, Any]) -> Image.Image | None:
    top = details.get("map")
    if not top or not details.get("path"):
        return None
    free = np.array([[c == "1" for c in row] for row in top["free"]])
    half = top["cell"] / 2
    extent = (
        top["x0"] - half,
        top["x0"] + free.shape[1] * top["cell"] - half,
        top["z0"] + free.shape[0] * top["cell"] - half,
        top["z0"] - half,
    )
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.imshow(free, cmap="Greys_r", extent=extent, vmin=-0.3, vmax=1.0)
    ref, path = np.asarray(details["reference"]), np.asarray(details["path"])
    ax.plot(ref[:, 0], ref[:, 1], color="tab:green", linewidth=2, label="reference")
    ax.plot(path[:, 0], path[:, 1], color="tab:red", linewidth=1.5, label="agent")
    ax.scatter([path[0, 0]], [path[0, 1]], color="tab:blue", zorder=3, label="start")
    ax.scatter([ref[-1, 0]], [ref[-1, 1]], marker="*", s=160, color="gold", edgecolors="black", zorder=3, label="goal")
    ax.set(xlabel="x (m)", ylabel="z (m)")
    ax.legend(fontsize=7, loc="upper right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return Image.open(buf).convert("RGB")


class NavRenderer(Renderer):
    def turn(self, record: dict[str, Any]) -> TurnView:
        target = record.get("target") or {}
        return TurnView(
            expected=f"instruction: {target['instruction']}"
            if record.get("turn") == 0 and target.get("instruction")
            else ""
        )

    def episode(self, records: list[dict[str, Any]], open_image: OpenImage) -> list[Image.Image]:
        route = route_map(records[-1].get("details") or {}) if records else None
        if route is None:
            return []
        frames = [open_image(refs[-1]) for t in records[:FRAMES] if (refs := observation_images(t))]
        tiles = [f.resize((FRAME_SIDE, FRAME_SIDE)) for f in frames if f is not None]
        return [route] + ([strip(tiles, gap=0)] if tiles else [])
