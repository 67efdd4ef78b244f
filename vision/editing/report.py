"""How editing episodes show in the report: each output's detections boxed (green where the turn's
claims about that label held, red where they failed), and the episode as a strip of edits."""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

from mmturn.tasks.views import GREEN, RED, OpenImage, Renderer, TurnView, annotate, observation_images, strip

SIDE = 200


def detection_boxes(details: dict[str, Any]) -> tuple:
    failed = {c.get("label") for c in details.get("claims", []) if not c.get("passed")}
    return tuple(
        (d["label"], tuple(d["box"]), RED if d["label"] in failed else GREEN) for d in details.get("detections", [])
    )


class EditRenderer(Renderer):
    def turn(self, record: dict[str, Any]) -> TurnView:
        target = record.get("target") or {}
        return TurnView(
            expected=f"instruction: {target['instruction']}" if target.get("instruction") else "",
            reply_boxes=detection_boxes(record.get("details") or {}),
        )

    def episode(self, records: list[dict[str, Any]], open_image: OpenImage) -> list[Image.Image]:
        """The start image, then each turn's output with its detections boxed, side by side."""
        if not records or not any(t.get("reply_images") for t in records):
            return []
        start = observation_images(records[0])
        tiles = [self._tile(open_image(start[-1]) if start else None, (), "start")]
        for t in records:
            output = open_image(t["reply_images"][-1]["image"]) if t.get("reply_images") else None
            follow = f" follow={t['scores']['follow']:.0f}" if "follow" in t["scores"] else ""
            tiles.append(self._tile(output, detection_boxes(t.get("details") or {}), f"turn {t['turn'] + 1}{follow}"))
        return [strip(tiles)]

    @staticmethod
    def _tile(image: Image.Image | None, boxes: tuple, caption: str) -> Image.Image:
        tile = Image.new("RGB", (SIDE, SIDE + 16), (240, 240, 240))
        if image is not None:
            tile.paste(annotate(image, None, None, boxes, SIDE), (0, 16))
        ImageDraw.Draw(tile).text((4, 2), caption, fill=(0, 0, 0))
        return tile
