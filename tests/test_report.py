"""report.html renders its tables, plots and images in headless Chromium, and model text is shown
as text: nothing a model writes can run."""

import json
from pathlib import Path

import pytest

from mmturn.tasks.cli import main
from mmturn.tasks.model import Model
from mmturn.tasks.registry import MODELS, register_model
from mmturn.tasks.types import Reply, Request

HOSTILE = (
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    '<a href="javascript:window.__pwned = 3">click</a></textarea><b>bold?</b>'
)
CHROMIUM = "/usr/bin/chromium"

if "hostile-test" not in MODELS:

    @register_model("hostile-test")
    class Hostile(Model):
        async def respond(self, request: Request) -> Reply:
            return Reply(text=HOSTILE)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    for model in ("oracle", "hostile-test"):
        assert (
            main(
                [
                    "run",
                    "--no-progress",
                    "--no-report",
                    "--tasks",
                    "mmmt-if",
                    "--model",
                    model,
                    "--limit",
                    "2",
                    "--output-dir",
                    str(root / model),
                ]
            )
            == 0
        )
    assert main(["report", str(root)]) == 0
    return root / "report.html"


def test_report_is_self_contained_and_escapes_model_text(report):
    html = report.read_text()
    assert "&lt;script&gt;window.__pwned" in html and "<script>window.__pwned" not in html
    assert 'onerror="window' not in html and 'href="javascript:' not in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html  # nothing fetched


def test_report_renders_in_chromium_and_runs_nothing(report):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.goto(report.as_uri())
        page.click("details.episode >> nth=0 >> summary")
        for el in page.query_selector_all("details.episode"):
            el.evaluate("e => e.open = true")
        assert page.evaluate("window.__pwned") is None
        tables = page.query_selector_all("table.metrics")
        assert len(tables) == 1
        rows = page.query_selector_all("table.metrics tbody tr")
        assert {r.query_selector("td").inner_text() for r in rows} == {"oracle", "hostile-test"}
        plots = page.query_selector_all("img.plot")
        assert len(plots) == 2 and all(p.evaluate("i => i.naturalWidth") > 100 for p in plots)
        obs = page.query_selector_all("img.obs")
        assert obs and all(i.evaluate("i => i.complete && i.naturalWidth > 0") for i in obs)
        assert HOSTILE in page.inner_text("body")  # shown as the literal text the model wrote
        headers = [th.inner_text() for th in page.query_selector_all("table.metrics thead th")]
        assert headers[:2] == ["model", "accuracy"] and headers[-5:] == [
            "episodes",
            "errors",
            "replies from cache",
            "tokens in / out",
            "cost",
        ]
        assert "expected: answer:" in page.inner_text("body")  # the reference answer beside each reply
        page.set_viewport_size({"width": 1440, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440  # tables wrap or scroll inside their box
        browser.close()


def test_plots_skip_curves_without_points_and_mark_each_run():
    from mmturn.tasks.report import _curve_plots

    runs = [
        ("a", {"curves": {"t": {"pif": [1.0, 0.5, None], "empty": [None, None]}}}),
        ("b", {"curves": {"t": {"pif": [1.0, 0.5]}}}),
    ]
    plots = _curve_plots("t", runs)
    assert [p["title"] for p in plots] == ["t pif"]  # no empty plot for a curve no run has a point of


def test_report_of_one_run_folder(tmp_path):
    out = tmp_path / "one"
    assert (
        main(
            [
                "run",
                "--no-progress",
                "--tasks",
                "mmmt-if",
                "--model",
                "oracle",
                "--limit",
                "1",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    html = (out / "report.html").read_text()
    assert "<h2>mmmt-if</h2>" in html and "data:image/jpeg;base64," in html
    assert json.loads((out / "results.json").read_text())["results"]["mmmt-if"]["pif"] == 1.0


def test_report_draws_the_predicted_click_on_gui_screenshots(tmp_path):
    import base64
    import io

    import numpy as np
    from PIL import Image

    out = tmp_path / "gui"
    assert (
        main(
            [
                "run",
                "--no-progress",
                "--tasks",
                "gui-grounding",
                "--model",
                "oracle",
                "--limit",
                "1",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    html = (out / "report.html").read_text()
    assert "<summary>oracle · episode 0" in html  # the run's model names the transcript
    uri = html.split('class="obs"', 1)[1].split('src="', 1)[1].split('"', 1)[0]
    thumb = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")).astype(int)
    red = (thumb[:, :, 0] > 180) & (thumb[:, :, 1] < 90) & (thumb[:, :, 2] < 90)
    assert red.sum() > 20  # the oracle's click, drawn as a red ring


@pytest.mark.slow
def test_report_shows_navigation_maps_and_frame_strips(tmp_path):
    out = tmp_path / "nav"
    assert (
        main(
            [
                "run",
                "--no-progress",
                "--tasks",
                "vln-miniworld",
                "--model",
                "oracle",
                "--limit",
                "1",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    html = (out / "report.html").read_text()
    assert (
        html.count('class="extra" alt="episode overview" src="data:image/jpeg;base64,') == 2
    )  # the top-down map, the frame strip
