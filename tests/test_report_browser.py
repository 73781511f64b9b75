"""The red report in a real browser: headless Chromium (Debian's ``chromium``, which ``.ci/run``
installs) opens it with no console error, shows the failures section and a graph drawing on
the first screen, and its screenshot is not blank.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages ending in a NUL byte on file descriptors 3 and 4), so no package is needed.
Without Chromium the test skips, saying so; under ``CI=true`` it must run.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-pipe", "--window-size=1280,900"]
# Where a test run leaves the screenshot, for a reader to look at (set by the caller).
SCREENSHOT_ENV = "SYMGRAD_SCREENSHOT"


def chromium() -> str | None:
    return next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)


class DevTools:
    """A minimal DevTools client over Chromium's pipe."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def as_fds_3_and_4() -> None:
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}",
                                      "about:blank"], preexec_fn=as_fds_3_and_4,
                                     pass_fds=(3, 4), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        # Chromium's helpers (zygote, renderer) share its session: end them all with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        os.close(self.to_browser)
        os.close(self.from_browser)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, session: str | None = None, timeout: float = 60.0,
             **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)


def red_report(out: Path) -> Path:
    """A real sweep with mul's VJP made wrong: the report a CI reader meets."""
    from oracle.cli import main
    from symgrad.ops.registry import REGISTRY

    right = REGISTRY["mul"]
    REGISTRY["mul"] = dataclasses.replace(right, vjp=lambda g, self, other: (g * self,
                                                                               g * other))
    try:
        code = main(["--ops", "mul,tanh,exp,sum", "--dtypes", "float32,float64",
                     "--out", str(out)])
    finally:
        REGISTRY["mul"] = right
    assert code == 1
    return out / "index.html"


FIRST_SCREEN = """(() => {
  const box = (el) => el && el.getBoundingClientRect();
  const seen = (r) => !!r && r.width > 0 && r.height > 0 && r.top < innerHeight && r.bottom > 0;
  const failures = document.getElementById("failures");
  const graph = failures && failures.querySelector(".graph svg");
  const heat = document.querySelector("table.heat");
  return {failures: seen(box(failures)), graph: seen(box(graph)),
          graphTop: graph ? box(graph).top : null, heatTop: box(heat).top,
          failuresTop: box(failures).top, title: document.title,
          math: !!document.querySelector("#failures math")};
})()"""


def test_the_red_report_in_headless_chromium(tmp_path):
    binary = chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI=true but no chromium: .ci/run installs Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")
    page = red_report(tmp_path / "report")
    browser = DevTools(binary, tmp_path / "profile")
    try:
        targets = browser.send("Target.getTargets")["targetInfos"]
        target = next(t["targetId"] for t in targets if t["type"] == "page")
        session = browser.send("Target.attachToTarget", targetId=target,
                               flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            browser.send(f"{domain}.enable", session)
        # The first screen of a laptop, whatever the headless window's own frame takes.
        browser.send("Emulation.setDeviceMetricsOverride", session, width=1280, height=900,
                     deviceScaleFactor=1, mobile=False)
        browser.send("Page.navigate", session, url=page.as_uri())
        browser.wait_event("Page.loadEventFired")
        state = browser.send("Runtime.evaluate", session, expression=FIRST_SCREEN,
                             returnByValue=True)["result"]["value"]
        shot = browser.send("Page.captureScreenshot", session, format="png")["data"]
        errors = [e for e in browser.events
                  if (e.get("method") == "Runtime.consoleAPICalled"
                      and e["params"]["type"] in ("error", "assert"))
                  or (e.get("method") == "Log.entryAdded"
                      and e["params"]["entry"]["level"] == "error")
                  or e.get("method") == "Runtime.exceptionThrown"]
    finally:
        browser.close()
    png = base64.b64decode(shot)
    if os.environ.get(SCREENSHOT_ENV):
        Path(os.environ[SCREENSHOT_ENV]).write_bytes(png)
    assert errors == []
    assert state["title"].startswith("symgrad-check: FAIL")
    assert state["failures"] and state["failuresTop"] < 300, state
    assert state["graph"] and state["math"], state
    assert state["failuresTop"] < state["heatTop"], state
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (900, 1280)
    rgb = pixels[..., :3].reshape(-1, 3)
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 50, "a blank screenshot"
    red = (rgb[:, 0] > 0.7) & (rgb[:, 1] < 0.3) & (rgb[:, 2] < 0.3)
    assert red.sum() > 200, "the red FAIL banner and failing statuses are on the first screen"
