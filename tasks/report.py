"""report.html: a self-contained page (images and plots embedded) with each task's metric table,
per-turn curves, and per-episode transcripts drawn by the task's own ``Renderer`` (the core knows no
family's keys). Model text is HTML-escaped by the template engine."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from PIL import Image  # noqa: E402

from mmturn.tasks.logs import RunDir, finished_episodes, locked, write_atomic  # noqa: E402
from mmturn.tasks.registry import TASKS  # noqa: E402
from mmturn.tasks.results import load_results  # noqa: E402
from mmturn.tasks.secrets import scrub  # noqa: E402
from mmturn.tasks.views import Renderer, annotate  # noqa: E402

TRANSCRIPTS_PER_RUN = 3  # episodes a task shows per run (``mmturn report --episodes``); the rest: ``mmturn view``
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


def _thumbnail(
    path: Path,
    cache: dict[tuple, str],
    point: tuple[float, float] | None = None,
    label: str | None = None,
    boxes: tuple = (),
    side: int = THUMBNAIL,
) -> str:
    """A JPEG data URI of an image file, at most ``side`` px, annotated as ``views.annotate`` draws."""
    key = (path, tuple(point) if point else None, label, boxes, side)
    if key not in cache:
        try:
            with Image.open(path) as img:
                cache[key] = _jpeg_uri(annotate(img.convert("RGB"), point, label, boxes, side))
        except OSError:
            cache[key] = ""
    return cache[key]


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "" if value is None else str(value)


STYLES = [
    (m, ls) for ls in ("-", "--", ":", "-.") for m in ("o", "s", "^", "D", "v", "x")
]  # overlapping runs stay visible


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


def _columns(task: str, names: set[str]) -> list[str]:
    """The task's headline metric first, then its other metrics in their declared order, then any others."""
    declared = [m for m in TASKS.get(task).metric_names if m in names] if task in TASKS else []
    return declared + sorted(names - set(declared))


def _transcripts(run: Path, label: str, task: str, thumbs: dict[tuple, str], first: int) -> list[dict[str, Any]]:
    run_dir = RunDir(run)
    renderer = TASKS.get(task).renderer if task in TASKS else Renderer()
    out = []
    for (index, repeat), turns in list(finished_episodes(run_dir.read(task)).items())[:first]:
        shown = []
        for t in turns:
            view = renderer.turn(t)
            parts = [
                {
                    "image": p["image"],
                    "uri": _thumbnail(run_dir.image_path(p["image"]), thumbs, view.point, view.label, view.boxes),
                }
                if "image" in p
                else {"text": p.get("text", "")}
                for p in t["observation"]
            ]
            replied = [
                {"image": p["image"], "uri": _thumbnail(run_dir.image_path(p["image"]), thumbs, boxes=view.reply_boxes)}
                for p in t.get("reply_images") or []
            ]
            shown.append(
                {
                    "turn": t["turn"] + 1,
                    "parts": parts,
                    "reply": "\n".join(
                        [t["reply"]] * bool(t["reply"])
                        + [f"[tool call] {c['name']}({c['arguments']})" for c in t.get("tool_calls") or ()]
                    ),
                    "reply_images": replied,
                    "expected": view.expected,
                    "reasoning": t.get("reasoning"),
                    "truncated": t.get("reasoning_truncated", False),
                    "error": t.get("error") or t.get("model_error"),
                    "scores": [(k, _fmt(v)) for k, v in t["scores"].items()],
                }
            )
        rewards = [t["reward"] for t in turns]
        extras = [_jpeg_uri(picture) for picture in renderer.episode(turns, run_dir.open_image)]
        out.append(
            {
                "model": label,
                "index": index,
                "repeat": repeat,
                "turns": shown,
                "reward": _fmt(sum(rewards) / max(len(rewards), 1)),
                "extras": extras,
            }
        )
    return out


def _differences(task: str, runs: list[tuple[Path, str]], metric_names: list[str]) -> list[tuple[str, str, str]]:
    """Each pair of runs' difference on the task's headline metric, paired by episode, with its interval."""
    from mmturn.tasks.paired import by_seed, paired_differences

    if len(runs) < 2 or not metric_names or task not in TASKS:
        return []
    episodes = {label: by_seed(path, task) for path, label in runs}
    rows = []
    for i, (_, first) in enumerate(runs):
        for _, second in runs[i + 1 :]:
            shared = sorted(set(episodes[first]) & set(episodes[second]))
            if not shared:
                continue
            a, b = [episodes[first][k] for k in shared], [episodes[second][k] for k in shared]
            d = paired_differences(TASKS.get(task).metrics, a, b, samples=200, p_values=False).get(metric_names[0])
            if d is not None:
                rows.append((f"{second} - {first}", metric_names[0], f"{d['diff']:+.3f}" + _interval(d["ci"])))
    return rows


def _interval(ci: Any) -> str:
    return f" [{ci[0]:.3f}, {ci[1]:.3f}]" if isinstance(ci, list) and len(ci) == 2 else ""


def _judges(labelled: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each judge of each run: its metrics per task, and its agreement with the code's verdicts."""
    out = []
    for label, res in labelled:
        for key, entry in (res.get("judges") or {}).items():
            names = sorted({m for metrics in entry.get("results", {}).values() for m in metrics})
            rows = [(task, [_fmt(m.get(n)) for n in names]) for task, m in entry.get("results", {}).items()]
            agreement = [
                (task, a.get("n"), _fmt(a.get("accuracy")), _fmt(a.get("kappa")))
                for task, a in entry.get("agreement", {}).items()
            ]
            templates = ", ".join(f"{t}: {d['name']} v{d['version']}" for t, d in entry.get("templates", {}).items())
            out.append(
                {"run": label, "key": key, "templates": templates, "names": names, "rows": rows, "agreement": agreement}
            )
    return out


def write_report(root: Path, episodes: int = TRANSCRIPTS_PER_RUN) -> Path:
    root = Path(root)
    with locked(root):
        return _write_report(root, episodes)


def _write_report(root: Path, episodes: int) -> Path:
    runs = [(p, load_results(p)) for p in find_runs(root)]
    labelled = [(res["config"]["model"] if len(runs) == 1 or p == root else p.name, res) for p, res in runs]
    task_names = sorted({t for _, res in runs for t in res["results"]})
    thumbs: dict[tuple, str] = {}
    tasks = []
    for task in task_names:
        metric_names = _columns(task, {m for _, res in runs for m in res["results"].get(task, {})})
        rows = []
        for (_path, res), (label, _) in zip(runs, labelled):
            if task in res["results"]:
                counts = res.get("counts", {}).get(task, {})
                usage = res.get("usage", {}).get(task, {})
                rows.append(
                    {
                        "model": label,
                        "episodes": f"{counts.get('episodes', '')}/{counts.get('asked', counts.get('episodes', ''))}",
                        "errors": counts.get("errors", ""),
                        "cached": f"{counts.get('cached', 0)} of {counts.get('turns', '')}",
                        "tokens": f"{usage.get('input_tokens', 0)} / {usage.get('output_tokens', 0)}"
                        + (f" ({usage['reasoning_tokens']} reasoning)" if usage.get("reasoning_tokens") else ""),
                        "cost": "" if usage.get("cost") is None else f"{usage['cost']:.4f}",
                        "cells": [
                            _fmt(res["results"][task].get(m)) + _interval(res.get("ci", {}).get(task, {}).get(m))
                            for m in metric_names
                        ],
                        "errors_list": res.get("errors", {}).get(task, []),
                    }
                )
        transcripts = [
            ep
            for (path, res), (label, _) in zip(runs, labelled)
            if task in res["results"]
            for ep in _transcripts(path, label, task, thumbs, episodes)
        ]
        tasks.append(
            {
                "name": task,
                "differences": _differences(
                    task,
                    [(p, label) for (p, res), (label, _) in zip(runs, labelled) if task in res["results"]],
                    metric_names,
                ),
                "metric_names": metric_names,
                "rows": rows,
                "plots": _curve_plots(task, labelled),
                "transcripts": transcripts,
                "more": max(
                    (
                        res.get("counts", {}).get(task, {}).get("episodes", 0)
                        for _, res in runs
                        if task in res["results"]
                    ),
                    default=0,
                )
                > episodes,
            }
        )
    html = _ENV.get_template("report.html.j2").render(
        root=str(root), runs=runs, tasks=tasks, judges=_judges(labelled), episodes=episodes
    )
    out = root / "report.html"
    write_atomic(out, scrub(html))
    return out
