"""One headless Chromium per env worker process, driven through Selenium and the ``miniwob`` package's
task pages, core script, DOM reader and field extractors. Each env has its own window (tab) of the
process's browser. The browser is rendered at ``scale`` device pixels per CSS pixel, so screenshots are
large enough for VLMs and a screenshot pixel maps back to the page exactly (divide by ``scale``).

No browser outlives its worker: chromedriver starts in a new process group (Chromium inherits it), and a
small guard process holding a pipe from the worker kills that whole group when the pipe closes: when the
worker exits, is killed with -9, or closes the browser."""

from __future__ import annotations

import atexit
import base64
import io
import os
import subprocess
import sys
from typing import Any

import numpy as np
from PIL import Image

from mmturn.tasks.worker import WorkerLost

CHROMIUM = os.environ.get("MINIWOB_CHROME_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MINIWOB_CHROMEDRIVER", "/usr/bin/chromedriver")
TASK_W, TASK_H = 160, 210  # MiniWob's task area in CSS pixels (miniwob.constants.TASK_WIDTH / TASK_HEIGHT)
WINDOW_W, WINDOW_H = 500, 420  # headless Chromium's viewport is 143 px shorter than its window
# the guard: waits for its stdin (a pipe from the worker) to close, then kills the browser's process group
GUARD = (
    "import os, signal, sys\nsys.stdin.buffer.read()\n"
    "try:\n    os.killpg(int(sys.argv[1]), signal.SIGKILL)\nexcept OSError:\n    pass\n"
)
_SHARED: dict[float, "Browser"] = {}  # this process's browser, per scale


class BrowserError(WorkerLost):
    """The browser could not start, crashed or stopped answering: the episode's state is gone, and the
    runner replays it (on a fresh browser: the next episode's ``Tab`` starts one)."""


class Browser:
    def __init__(self, scale: float) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.scale = scale
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-extensions",
            f"--force-device-scale-factor={scale}",
            f"--window-size={WINDOW_W},{WINDOW_H}",
        ):
            options.add_argument(arg)
        service = Service(CHROMEDRIVER, popen_kw={"start_new_session": True})
        try:
            self.driver = webdriver.Chrome(service=service, options=options)
        except Exception as e:
            raise BrowserError(f"cannot start Chromium ({CHROMIUM}) with {CHROMEDRIVER}: {e}") from None
        pgid = os.getpgid(service.process.pid)
        self.guard = subprocess.Popen(
            [sys.executable, "-c", GUARD, str(pgid)], stdin=subprocess.PIPE, start_new_session=True
        )
        self.tabs, self.current = 0, ""
        self.driver.set_script_timeout(30)
        self.driver.set_page_load_timeout(30)

    @staticmethod
    def shared(scale: float) -> "Browser":
        """This process's browser at ``scale`` (started on first use, restarted if it died)."""
        browser = _SHARED.get(scale)
        if browser is None or not browser.alive():
            if browser is not None:
                browser.close()
            browser = _SHARED[scale] = Browser(scale)
        return browser

    def alive(self) -> bool:
        try:
            self.driver.window_handles  # noqa: B018 (a round trip to the browser)
            return True
        except Exception:
            return False

    def new_tab(self) -> str:
        self.tabs += 1
        if self.tabs > 1:
            self.driver.switch_to.new_window("tab")
        self.current = self.driver.current_window_handle
        return self.current

    def close_tab(self, handle: str) -> None:
        """Close an env's window; the last one closes the browser."""
        self.tabs -= 1
        if self.tabs <= 0:
            self.close()
            return
        try:
            self.driver.switch_to.window(handle)
            self.driver.close()
            self.current = self.driver.window_handles[0]
            self.driver.switch_to.window(self.current)
        except Exception:  # noqa: BLE001 (a dead browser is replaced on next use)
            pass

    def close(self) -> None:
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001 (the guard kills whatever is left)
            pass
        if self.guard.stdin:
            self.guard.stdin.close()
        self.guard.wait(timeout=10)
        for scale, b in list(_SHARED.items()):
            if b is self:
                del _SHARED[scale]


class Tab:
    """One env's window of the shared browser: a MiniWob task page, its episodes, observations and input."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.browser = Browser.shared(scale)
        self.handle = self.browser.new_tab()
        self.task: str | None = None

    @property
    def driver(self):
        """The browser's driver, switched to this tab (a round trip only when another tab was current)."""
        browser = self.browser
        if browser.current != self.handle:
            browser.driver.switch_to.window(self.handle)
            browser.current = self.handle
        return browser.driver

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def begin(self, task: str, seed: int) -> None:
        """Start an episode of ``task`` seeded with ``seed``, its clock stopped (no time limit, no time decay)."""
        from miniwob.selenium_instance import HTML_DIR

        if task != self.task:
            self.driver.get(f"file://{HTML_DIR}/miniwob/{task}.html")
            self.task = task
        else:
            self.js("return core.endEpisode(0);")
        self.js(
            "Math.seedrandom(arguments[0]); core.setDataMode('train'); core.EPISODE_MAX_TIME = 2e9;"
            "core.startEpisodeReal();",
            str(seed),
        )
        for _ in range(40):
            if self.js("return WOB_TASK_READY;"):
                return
            self.js("return new Promise(r => setTimeout(r, 25));")  # the page's own timer, not ours
        raise BrowserError(f"{task}: the task page did not become ready")

    def utterance(self) -> tuple[str, list[tuple[str, str]]]:
        """The task's instruction and its fields (MiniWob's field extractor: privileged, for the oracle)."""
        from miniwob.fields import get_field_extractor

        response = self.js("return core.getUtterance();")
        if isinstance(response, dict):
            return response["utterance"], list(response["fields"].items())
        assert self.task is not None
        return response, list(get_field_extractor(self.task)(response))

    def dom(self):
        from miniwob.dom import DOMElement

        return DOMElement(self.js("return core.getDOMInfo();"))

    def state(self) -> dict[str, Any]:
        """done, raw reward (no time decay) and MiniWob's reason."""
        return self.js(
            "return {done: WOB_DONE_GLOBAL, reward: WOB_RAW_REWARD_GLOBAL, reason: String(WOB_REWARD_REASON)};"
        )

    def screenshot(self) -> np.ndarray:
        """The task area at ``scale`` device pixels per CSS pixel, RGB (only that area is captured)."""
        clip = {"x": 0, "y": 0, "width": TASK_W, "height": TASK_H, "scale": 1}
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip})
        return np.asarray(Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB"))

    def click(self, x: float, y: float, double: bool = False) -> None:
        from miniwob.selenium_actions import execute_click_coords, execute_dblclick_coords

        (execute_dblclick_coords if double else execute_click_coords)(x, y, self.driver)

    def type(self, text: str) -> None:
        from miniwob.selenium_actions import execute_type_text

        execute_type_text(text, self.driver)

    def key(self, key: str) -> None:
        from miniwob.selenium_actions import execute_press_key

        execute_press_key(key, self.driver)

    def scroll(self, x: float, y: float, dy: int) -> None:
        from miniwob.selenium_actions import execute_scroll_coords

        execute_scroll_coords(x, y, dy, 0, self.driver)

    def close(self) -> None:
        self.browser.close_tab(self.handle)


@atexit.register
def close_all() -> None:
    """Quit this process's browsers (the guard process covers an exit that skips this)."""
    for browser in list(_SHARED.values()):
        browser.close()
