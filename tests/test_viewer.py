"""``mmturn view``: a local viewer served by Starlette, tested in headless Chromium: the runs' tasks with
their intervals, the episode list filtered to failed turns, an episode's transcript with its images, the
same episode of two runs side by side; path traversal refused and model text escaped; Ctrl-C stops it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading

import httpx
import pytest
import uvicorn

from mmturn.tasks.cli import main
from mmturn.tasks.model import Model
from mmturn.tasks.registry import MODELS, register_model
from mmturn.tasks.types import Reply, Request
from mmturn.tasks.viewer import make_app

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold?</b>'

if "xss-view-test" not in MODELS:

    @register_model("xss-view-test")
    class Hostile(Model):
        async def respond(self, request: Request) -> Reply:
            return Reply(text=HOSTILE)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for model in ("oracle", "xss-view-test"):
        assert (
            main(
                [
                    "run",
                    "--no-progress",
                    "--no-report",
                    "--executor",
                    "inline",
                    "--tasks",
                    "mmmt-if,gui-grounding",
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
    return [root / "oracle", root / "xss-view-test"]


@pytest.fixture(scope="module")
def server(runs):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    srv = uvicorn.Server(uvicorn.Config(make_app(runs), log_level="error", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_the_viewer_in_chromium(server, runs):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.goto(server + "/")
        body = page.inner_text("body")
        assert "mmmt-if" in body and "gui-grounding" in body and "95% interval" in body
        page.click("a.task >> nth=2")  # the second run's mmmt-if
        assert page.inner_text("#count").startswith("2 episodes")
        page.check("input[name=failed]")
        page.click("#filter")
        assert page.inner_text("#count").startswith("2 episodes")  # every turn of the hostile model fails
        page.click("a.episode >> nth=0")
        assert HOSTILE in page.inner_text("body")  # the literal text: nothing ran
        assert page.evaluate("window.__pwned") is None
        images = page.query_selector_all("img.obs")
        assert images and all(i.evaluate("i => i.complete && i.naturalWidth > 0") for i in images)
        page.go_back()
        page.click("a.side >> nth=0")
        columns = page.query_selector_all(".side > .column")
        assert len(columns) == 2 and all(c.query_selector_all(".turn") for c in columns)
        page.goto(server + "/episodes?run=0&task=gui-grounding")
        page.click("a.episode >> nth=0")
        drawn = [i.get_attribute("src") for i in page.query_selector_all("img.obs")]  # loaded lazily, on scroll
        assert drawn and all(src.startswith("/annotated/") for src in drawn)  # targets drawn server-side
        assert all(httpx.get(server + src).headers["content-type"] == "image/png" for src in drawn)
        browser.close()
    assert (runs[0] / "index.json").exists()  # the episode index is kept next to the run


@pytest.mark.parametrize(
    "path",
    [
        "/image/0/../../results.json",
        "/image/0/%2e%2e%2fresults.json",
        "/image/0/..%2f..%2fetc%2fpasswd",
        "/image/7/" + "0" * 32,
        "/episodes?run=../..&task=mmmt-if",
        "/episodes?run=0&task=../../etc",
        "/episode?run=0&task=mmmt-if&index=999",
        "/annotated/0/mmmt-if/0/0/0/99",
        "/results.json",
    ],
)
def test_nothing_outside_the_runs_is_served(server, path):
    response = httpx.get(server + path)
    assert response.status_code == 404 and '"config"' not in response.text and "root:" not in response.text


def test_ctrl_c_stops_it(runs, tmp_path):
    script = tmp_path / "view.py"
    script.write_text(
        "import sys\nfrom mmturn.tasks.cli import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, str(script), "view", str(runs[0]), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert "127.0.0.1" in proc.stdout.readline()
    assert httpx.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 200
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) is not None
