"""``mmturn view RUN [RUN ...]``: a local viewer for runs of any size (Starlette, jinja2, no JavaScript, no
network). Pages: every task's metrics with intervals; an episode list filtered by task, a metric range,
failed turns, errors and the family's own keys; an episode's transcript with its images loaded on demand
(targets and predicted points drawn), reasoning collapsed and expected answers; and the same episode of two
runs side by side. Runs are addressed by their position on the command line and images by content hash,
so no request names a path; all model text is escaped."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import jinja2
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from mmturn.tasks.registry import TASKS
from mmturn.tasks.results import load_results
from mmturn.tasks.run_index import episode_records, run_index
from mmturn.tasks.views import Renderer, annotate

DIGEST = re.compile(r"^[0-9a-f]{16,64}$")
PAGE = 100
CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class NotFound(Exception):
    pass


class Viewer:
    def __init__(self, roots: list[Path]) -> None:
        self.roots = [Path(r) for r in roots]
        self.results = [load_results(r) for r in self.roots]
        self.indexes: dict[int, dict[str, Any]] = {}

    def index(self, run: int) -> dict[str, Any]:
        if run not in self.indexes:
            self.indexes[run] = run_index(self.roots[run])
        return self.indexes[run]

    def episodes(self, run: int, task: str) -> list[dict[str, Any]]:
        tasks = self.index(run)["tasks"]
        if task not in tasks:
            raise NotFound(f"no task {task!r} in run {run}")
        return tasks[task]

    def transcript(self, run: int, task: str, episode: dict[str, Any]) -> list[dict[str, Any]]:
        renderer = TASKS.get(task).renderer if task in TASKS else Renderer()
        shown = []
        for record in episode_records(self.roots[run], task, episode["offsets"]):
            view = renderer.turn(record)
            drawn = view.point is not None or view.label is not None or bool(view.boxes)
            parts = [
                {
                    "image": f"/annotated/{run}/{task}/{episode['index']}/{episode['repeat']}/{record['turn']}/{k}"
                    if drawn
                    else f"/image/{run}/{p['image']}"
                }
                if "image" in p
                else {"text": p.get("text", "")}
                for k, p in enumerate(record.get("observation", []))
            ]
            calls = [f"[tool call] {c['name']}({c['arguments']})" for c in record.get("tool_calls") or ()]
            shown.append(
                {
                    "turn": record["turn"] + 1,
                    "parts": parts,
                    "reply": "\n".join([record.get("reply", "")] * bool(record.get("reply")) + calls),
                    "reply_images": [f"/image/{run}/{p['image']}" for p in record.get("reply_images") or []],
                    "reasoning": record.get("reasoning"),
                    "expected": view.expected,
                    "scores": sorted((k, round(v, 3)) for k, v in record.get("scores", {}).items()),
                    "error": record.get("error") or record.get("model_error"),
                }
            )
        return shown


def _int(request: Request, name: str, default: int | None = None) -> int:
    value = request.query_params.get(name)
    try:
        return int(value) if value is not None else int(default)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotFound(f"{name} must be a number") from None


def _float(request: Request, name: str) -> float | None:
    value = request.query_params.get(name)
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        raise NotFound(f"{name} must be a number") from None


def make_app(roots: list[Path]) -> Starlette:
    viewer = Viewer(roots)

    def page(name: str, **context: Any) -> HTMLResponse:
        html = _ENV.get_template("viewer.html.j2").render(page=name, runs=viewer.roots, **context)
        return HTMLResponse(html, headers={"Content-Security-Policy": CSP})

    def run_of(request: Request) -> int:
        run = _int(request, "run", 0)
        if not 0 <= run < len(viewer.roots):
            raise NotFound(f"no run {run}")
        return run

    async def home(request: Request) -> HTMLResponse:
        return page("home", results=viewer.results)

    async def episodes(request: Request) -> HTMLResponse:
        run, task = run_of(request), request.query_params.get("task", "")
        metric, low, high = request.query_params.get("metric", ""), _float(request, "min"), _float(request, "max")
        failed, errors = request.query_params.get("failed") == "1", request.query_params.get("error") == "1"
        facet = request.query_params.get("facet", "")
        key, _, value = facet.partition("=")
        found = [
            e
            for e in viewer.episodes(run, task)
            if (
                not metric
                or (
                    metric in e["scores"]
                    and (low is None or e["scores"][metric] >= low)
                    and (high is None or e["scores"][metric] <= high)
                )
            )
            and (not failed or e["failed"])
            and (not errors or e["error"])
            and (not facet or value in e["facets"].get(key, []))
        ]
        start = _int(request, "page", 0) * PAGE
        all_eps = viewer.episodes(run, task)
        facets = sorted({f"{k}={v}" for e in all_eps[:2000] for k, vs in e["facets"].items() for v in vs})
        metrics = sorted({k for e in all_eps[:2000] for k in e["scores"]})
        others = [i for i in range(len(viewer.roots)) if i != run and task in viewer.index(i)["tasks"]]
        return page(
            "episodes",
            run=run,
            task=task,
            shown=found[start : start + PAGE],
            total=len(found),
            start=start,
            facets=facets,
            metrics=metrics,
            query=dict(request.query_params),
            others=others,
        )

    async def episode(request: Request) -> HTMLResponse:
        run, task = run_of(request), request.query_params.get("task", "")
        index, repeat = _int(request, "index"), _int(request, "repeat", 0)
        ep = next((e for e in viewer.episodes(run, task) if e["index"] == index and e["repeat"] == repeat), None)
        if ep is None:
            raise NotFound(f"no episode {index} (repeat {repeat}) of {task} in run {run}")
        return page("episode", run=run, task=task, ep=ep, turns=viewer.transcript(run, task, ep))

    async def side(request: Request) -> HTMLResponse:
        task, seed, repeat = request.query_params.get("task", ""), _int(request, "seed"), _int(request, "repeat", 0)
        columns = []
        for name in ("a", "b"):
            run = _int(request, name)
            if not 0 <= run < len(viewer.roots):
                raise NotFound(f"no run {run}")
            ep = next((e for e in viewer.episodes(run, task) if e["seed"] == seed and e["repeat"] == repeat), None)
            columns.append({"run": run, "ep": ep, "turns": viewer.transcript(run, task, ep) if ep else []})
        return page("side", task=task, columns=columns)

    async def image(request: Request) -> Response:
        run, digest = int(request.path_params["run"]), request.path_params["digest"]
        if not 0 <= run < len(viewer.roots) or not DIGEST.match(digest):
            raise NotFound("no such image")
        path = viewer.roots[run] / "images" / f"{digest}.png"
        if not path.is_file():
            raise NotFound("no such image")
        return Response(path.read_bytes(), media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    async def annotated(request: Request) -> Response:
        p = request.path_params
        run, task = int(p["run"]), p["task"]
        if not 0 <= run < len(viewer.roots):
            raise NotFound("no such run")
        ep = next(
            (e for e in viewer.episodes(run, task) if e["index"] == p["index"] and e["repeat"] == p["repeat"]), None
        )
        if ep is None or not 0 <= p["turn"] < len(ep["offsets"]):
            raise NotFound("no such turn")
        record = episode_records(viewer.roots[run], task, [ep["offsets"][p["turn"]]])[0]
        obs = record.get("observation", [])
        if not 0 <= p["k"] < len(obs) or not DIGEST.match(str(obs[p["k"]].get("image", ""))):
            raise NotFound("no such image")
        view = (TASKS.get(task).renderer if task in TASKS else Renderer()).turn(record)
        with Image.open(viewer.roots[run] / "images" / f"{obs[p['k']]['image']}.png") as img:
            drawn = annotate(img.convert("RGB"), view.point, view.label, view.boxes, 1024)
        buf = io.BytesIO()
        drawn.save(buf, format="PNG")
        return Response(buf.getvalue(), media_type="image/png")

    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        html = _ENV.get_template("viewer.html.j2").render(page="missing", runs=viewer.roots, message=str(exc))
        return HTMLResponse(html, status_code=404, headers={"Content-Security-Policy": CSP})

    return Starlette(
        routes=[
            Route("/", home),
            Route("/episodes", episodes),
            Route("/episode", episode),
            Route("/side", side),
            Route("/image/{run:int}/{digest}", image),
            Route("/annotated/{run:int}/{task}/{index:int}/{repeat:int}/{turn:int}/{k:int}", annotated),
        ],
        exception_handlers={NotFound: not_found, 404: not_found},
    )


def serve(roots: list[Path], host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until Ctrl-C (uvicorn stops at once: no connection is waited for). The socket is listening
    before the address is printed, so the printed address answers at once."""
    import socket

    import uvicorn

    app = make_app(roots)
    try:
        sock = socket.create_server((host, port), backlog=128)
    except OSError as e:
        raise ValueError(f"argument --port: cannot listen on {host}:{port}: {e.strerror or e}") from None
    print(f"mmturn view: http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
    with sock:
        uvicorn.Server(config).run(sockets=[sock])
