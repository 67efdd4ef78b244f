"""report.html: a self-contained page (images and plots embedded) with each task's metric table,
per-turn curves, and per-episode transcripts. Model text is HTML-escaped by the template engine."""
from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from matplotlib.ticker import MaxNLocator  # noqa: E402

from mmturn.tasks.logs import RunDir, finished_episodes, locked, write_atomic  # noqa: E402
from mmturn.tasks.registry import TASKS  # noqa: E402
from mmturn.tasks.results import load_results  # noqa: E402
from mmturn.tasks.secrets import scrub  # noqa: E402

TRANSCRIPTS_PER_RUN = 3
THUMBNAIL = 320
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("mmturn.tasks", "templates"), autoescape=True)


def find_runs(root: Path) -> list[Path]:
    """``root`` itself when it holds results.json, else its sub-folders that do."""
    root = Path(root)
    if (root / "results.json").exists():
        return [root]
    runs = sorted(p.parent for p in root.glob("*/results.json"))
    if not runs:
        raise FileNotFoundError(f"no results.json in {root} or its sub-folders")
    return runs


def _png_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _jpeg_uri(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _thumbnail(path: Path, cache: dict[tuple, str], point: list[float] | None = None, label: str | None = None,
               boxes: tuple = (), side: int = THUMBNAIL) -> str:
    """A JPEG data URI of an image file, at most ``side`` px; with ``point`` (a predicted click, in the
    image's pixels) drawn as a red ring, ``label`` (any other predicted action) written on it, and
    ``boxes`` ((label, (x1, y1, x2, y2), colour) in the image's pixels, e.g. detections) outlined."""
    key = (path, tuple(point) if point else None, label, boxes, side)
    if key not in cache:
        try:
            with Image.open(path) as img:
                cache[key] = _jpeg_uri(_annotated(img.convert("RGB"), point, label, boxes, side))
        except OSError:
            cache[key] = ""
    return cache[key]


def _annotated(img: Image.Image, point: list[float] | None, label: str | None, boxes: tuple, side: int) -> Image.Image:
    scale = min(1.0, side / max(img.size))
    img.thumbnail((side, side))
    draw = ImageDraw.Draw(img)
    if point:
        x, y, r = point[0] * scale, point[1] * scale, 7
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(230, 20, 20), width=3)
    elif label:
        draw.rectangle([0, img.height - 22, img.width, img.height], fill=(230, 20, 20))
        draw.text((4, img.height - 18), label[:48], fill=(255, 255, 255))
    for name, box, colour in boxes:
        x1, y1, x2, y2 = (v * scale for v in box)
        draw.rectangle([x1, y1, max(x1, x2), max(y1, y2)], outline=colour, width=2)
        draw.text((x1 + 2, max(0, y1 - 11)), str(name)[:24], fill=colour)
    return img


def _detection_boxes(details: dict[str, Any]) -> tuple:
    """An editing turn's detections on its output: green when the turn's claims about that label held, else red."""
    failed = {c.get("label") for c in details.get("claims", []) if not c.get("passed")}
    return tuple((d["label"], tuple(d["box"]), (200, 30, 30) if d["label"] in failed else (20, 150, 60))
                 for d in details.get("detections", []))


def _edit_strip(run_dir: RunDir, turns: list[dict[str, Any]], side: int = 200) -> str | None:
    """An editing episode side by side: the start image, then each turn's output with its detections boxed."""
    tiles = []
    start = [p["image"] for p in turns[0]["observation"] if "image" in p] if turns else []
    for ref, boxes, caption in [(start[-1] if start else None, (), "start")] + [
            (t["reply_images"][-1]["image"] if t.get("reply_images") else None, _detection_boxes(t.get("details") or {}),
             f"turn {t['turn'] + 1}" + (f" follow={t['scores']['follow']:.0f}" if "follow" in t["scores"] else "")) for t in turns]:
        tile = Image.new("RGB", (side, side + 16), (240, 240, 240))
        if ref is not None:
            try:
                with Image.open(run_dir.image_path(ref)) as img:
                    tile.paste(_annotated(img.convert("RGB"), None, None, boxes, side), (0, 16))
            except OSError:
                pass
        ImageDraw.Draw(tile).text((4, 2), caption, fill=(0, 0, 0))
        tiles.append(tile)
    if len(tiles) < 2 or not any(t.get("reply_images") for t in turns):
        return None
    strip = Image.new("RGB", (side * len(tiles) + 4 * (len(tiles) - 1), side + 16), (255, 255, 255))
    for k, tile in enumerate(tiles):
        strip.paste(tile, ((side + 4) * k, 0))
    return _jpeg_uri(strip)


def _action_label(details: dict[str, Any]) -> str | None:
    """A predicted GUI action without a point, as a short label: "scroll down", "open_app Clock"."""
    kind = details.get("action")
    if not kind or kind == "reply":
        return None
    args = details.get("args") or {}
    return " ".join([kind] + [str(v) for k, v in args.items() if k in ("direction", "app_name", "text", "goal_status")])


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "" if value is None else str(value)


STYLES = [(m, ls) for ls in ("-", "--", ":", "-.") for m in ("o", "s", "^", "D", "v", "x")]  # overlapping runs stay visible


def _curve_plots(task: str, runs: list[tuple[str, dict]]) -> list[dict[str, str]]:
    """One plot per curve: each run's value by turn (integer ticks), with its own marker and line style;
    a curve no run has a point for is not plotted."""
    names = sorted({c for _, res in runs for c in res.get("curves", {}).get(task, {})})
    plots = []
    for curve in names:
        series = []
        for label, res in runs:
            ys = res.get("curves", {}).get(task, {}).get(curve) or []
            if pts := [(i + 1, y) for i, y in enumerate(ys) if y is not None]:
                series.append((label, pts))
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(6, 3.2))
        for k, (label, pts) in enumerate(series):
            marker, style = STYLES[k % len(STYLES)]
            ax.plot(*zip(*pts), marker=marker, linestyle=style, markersize=4, markerfacecolor="none", label=label)
        ax.set(xlabel="turn", ylabel=curve, title=f"{task}: {curve} by turn", ylim=(-0.02, 1.02))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        plots.append({"title": f"{task} {curve}", "uri": _png_uri(fig)})
    return plots


def _expected(target: dict[str, Any]) -> str:
    """What the turn expected, in words: the reference answer, the GUI goal, the gold action, the target box."""
    shown = []
    answer = target.get("answer")
    if isinstance(answer, dict) and "value" in answer:
        shown.append(f"answer: {answer['value']}")
    elif answer not in (None, ""):
        shown.append(f"answer: {answer}")
    for key in ("reference", "goal", "instruction"):
        if isinstance(target.get(key), str) and target[key]:
            shown.append(f"{key}: {target[key]}")
    if isinstance(target.get("gold"), dict):
        gold = target["gold"]
        shown.append(f"gold action: {gold.get('kind')} {' '.join(f'{k}={v}' for k, v in (gold.get('args') or {}).items())}".strip())
    if isinstance(target.get("bbox"), list):
        shown.append(f"target box (green): {[round(v) for v in target['bbox']]}")
    return " · ".join(shown)


def _target_box(target: dict[str, Any]) -> tuple:
    box = target.get("bbox")
    return (("target", tuple(box), (20, 150, 60)),) if isinstance(box, list) and len(box) == 4 else ()


def _columns(task: str, names: set[str]) -> list[str]:
    """The task's headline metric first, then its other metrics in their declared order, then any others."""
    declared = [m for m in TASKS.get(task).metric_names if m in names] if task in TASKS else []
    return declared + sorted(names - set(declared))


def _route_map(details: dict[str, Any]) -> str | None:
    """A navigation episode's top-down map: free space, the reference path, the agent's path, start and goal."""
    top = details.get("map")
    if not top or not details.get("path"):
        return None
    free = np.array([[c == "1" for c in row] for row in top["free"]])
    half = top["cell"] / 2
    extent = (top["x0"] - half, top["x0"] + free.shape[1] * top["cell"] - half, top["z0"] + free.shape[0] * top["cell"] - half, top["z0"] - half)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.imshow(free, cmap="Greys_r", extent=extent, vmin=-0.3, vmax=1.0)
    ref, path = np.asarray(details["reference"]), np.asarray(details["path"])
    ax.plot(ref[:, 0], ref[:, 1], color="tab:green", linewidth=2, label="reference")
    ax.plot(path[:, 0], path[:, 1], color="tab:red", linewidth=1.5, label="agent")
    ax.scatter([path[0, 0]], [path[0, 1]], color="tab:blue", zorder=3, label="start")
    ax.scatter([ref[-1, 0]], [ref[-1, 1]], marker="*", s=160, color="gold", edgecolors="black", zorder=3, label="goal")
    ax.set(xlabel="x (m)", ylabel="z (m)")
    ax.legend(fontsize=7, loc="upper right")
    return _png_uri(fig)


def _frame_strip(run_dir: RunDir, turns: list[dict[str, Any]], count: int = 8) -> str | None:
    """The first ``count`` first-person frames of an episode, side by side."""
    frames = []
    for t in turns[:count]:
        refs = [p["image"] for p in t["observation"] if "image" in p]
        if refs:
            try:
                with Image.open(run_dir.image_path(refs[-1])) as img:
                    frames.append(img.convert("RGB").resize((112, 112)))
            except OSError:
                pass
    if not frames:
        return None
    strip = Image.new("RGB", (112 * len(frames), 112))
    for k, frame in enumerate(frames):
        strip.paste(frame, (112 * k, 0))
    return _jpeg_uri(strip)


def _transcripts(run: Path, label: str, task: str, thumbs: dict[tuple, str]) -> list[dict[str, Any]]:
    run_dir = RunDir(run)
    out = []
    for (index, repeat), turns in list(finished_episodes(run_dir.read(task)).items())[:TRANSCRIPTS_PER_RUN]:
        shown = []
        for t in turns:
            details = t.get("details") or {}
            point, action = details.get("point"), _action_label(details)
            target = t.get("target") or {}
            parts = [{"image": p["image"], "uri": _thumbnail(run_dir.image_path(p["image"]), thumbs, point, action, _target_box(target))}
                     if "image" in p
                     else {"text": p.get("text", "")} for p in t["observation"]]
            replied = [{"image": p["image"], "uri": _thumbnail(run_dir.image_path(p["image"]), thumbs, boxes=_detection_boxes(details))}
                       for p in t.get("reply_images") or []]
            shown.append({"turn": t["turn"] + 1, "parts": parts, "reply": t["reply"], "reply_images": replied, "expected": _expected(target),
                          "error": t.get("error") or t.get("model_error"),
                          "scores": [(k, _fmt(v)) for k, v in t["scores"].items()]})
        rewards = [t["reward"] for t in turns]
        route = _route_map(turns[-1].get("details") or {})
        extras = [u for u in (route, _frame_strip(run_dir, turns) if route else None, _edit_strip(run_dir, turns)) if u]
        out.append({"model": label, "index": index, "repeat": repeat, "turns": shown, "reward": _fmt(sum(rewards) / max(len(rewards), 1)),
                    "extras": extras})
    return out


def write_report(root: Path) -> Path:
    root = Path(root)
    with locked(root):
        return _write_report(root)


def _write_report(root: Path) -> Path:
    runs = [(p, load_results(p)) for p in find_runs(root)]
    labelled = [(res["config"]["model"] if len(runs) == 1 or p == root else p.name, res) for p, res in runs]
    task_names = sorted({t for _, res in runs for t in res["results"]})
    thumbs: dict[tuple, str] = {}
    tasks = []
    for task in task_names:
        metric_names = _columns(task, {m for _, res in runs for m in res["results"].get(task, {})})
        rows = []
        for (path, res), (label, _) in zip(runs, labelled):
            if task in res["results"]:
                counts = res.get("counts", {}).get(task, {})
                rows.append({"model": label, "episodes": f"{counts.get('episodes', '')}/{counts.get('asked', counts.get('episodes', ''))}",
                             "errors": counts.get("errors", ""), "cached": f"{counts.get('cached', 0)} of {counts.get('turns', '')}",
                             "cells": [_fmt(res["results"][task].get(m)) for m in metric_names], "errors_list": res.get("errors", {}).get(task, [])})
        transcripts = [ep for (path, res), (label, _) in zip(runs, labelled) if task in res["results"] for ep in _transcripts(path, label, task, thumbs)]
        tasks.append({"name": task, "metric_names": metric_names, "rows": rows, "plots": _curve_plots(task, labelled), "transcripts": transcripts})
    html = _ENV.get_template("report.html.j2").render(root=str(root), runs=runs, tasks=tasks)
    out = root / "report.html"
    write_atomic(out, scrub(html))
    return out
