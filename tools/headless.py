"""Open a page in headless Chromium and talk to it over the Chrome DevTools Protocol, standard library only.

    with Browser.start() as browser:
        page = browser.open(Path("report.html").resolve().as_uri())
        page.evaluate("document.title"), page.console_errors(), page.screenshot(Path("shot.png"))

Chromium's `--remote-debugging-pipe` speaks the protocol over two inherited file descriptors (3: commands in,
4: events and replies out, each message a JSON text ended by a NUL byte), so no websocket library is needed.
What the page logs is collected as it happens: console messages (Runtime.consoleAPICalled), uncaught
exceptions (Runtime.exceptionThrown), browser-side errors such as a blocked resource or a Content-Security-
Policy violation (Log.entryAdded), and every network request the page makes (Network.requestWillBeSent).

Used by the browser test (tests/reports/test_browser.py) and by tools/report_screenshot.py. Chromium comes
from the distribution's packages (`apt-get install chromium`); `find_chromium()` returns None without it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    override = os.environ.get("ROOTGUARD_CHROMIUM")
    if override:
        return override if shutil.which(override) else None
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


@dataclass
class Page:
    browser: Browser
    session: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, session=self.session)

    def evaluate(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise BrowserError(f"{expression!r} threw: {reply['exceptionDetails'].get('text')}")
        return reply["result"].get("value")

    def console_errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and browser-side errors, as lines."""
        self.browser.drain()
        out = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                out.append(f"console.{params['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text", "")
                out.append(f"uncaught: {text}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                entry = params["entry"]
                out.append(f"{entry.get('source')}: {entry.get('text')}")
        return out

    def requests(self) -> list[str]:
        """The URL of every request the page made (its own file included)."""
        self.browser.drain()
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, width: int = 1280, height: int = 2000) -> Path:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        path.write_bytes(base64.b64decode(data))
        return path


class Browser:
    """One headless Chromium process driven over --remote-debugging-pipe."""

    def __init__(
        self, proc: subprocess.Popen[bytes], to_browser: int, from_browser: int, profile: str
    ) -> None:
        self._proc = proc
        self._out = to_browser
        self._in = from_browser
        self._profile = profile
        self._buffer = b""
        self._next_id = 0
        self._pages: dict[str, Page] = {}

    @classmethod
    def start(cls, executable: str | None = None, timeout: float = 30.0) -> Browser:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no Chromium found (apt-get install chromium)")
        profile = tempfile.mkdtemp(prefix="rootguard-chromium-")
        ours_in, theirs_out = os.pipe()  # the browser writes replies to its fd 4
        theirs_in, ours_out = os.pipe()  # we write commands to its fd 3

        def wire() -> None:  # in the child: our ends closed, theirs as fd 3 and 4 (inheritable)
            a, b = os.dup(theirs_in), os.dup(theirs_out)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [
            exe,
            "--headless",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        # close_fds would close fd 3 and 4 after wire() ran; Python's own descriptors are not inherited
        # anyway (PEP 446), so nothing else leaks into the browser.
        proc = subprocess.Popen(
            args,
            preexec_fn=wire,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(theirs_in)
        os.close(theirs_out)
        browser = cls(proc, ours_out, ours_in, profile)
        browser._timeout = timeout
        try:
            browser.call("Browser.getVersion")
        except BaseException:
            browser.close()
            raise
        return browser

    _timeout = 30.0

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- the wire

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode("utf-8") + b"\0")
        return self._next_id

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._in], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe (exit status {self._proc.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        session = message.get("sessionId")
        if "method" in message and session in self._pages:
            self._pages[session].events.append(message)
        return message

    def drain(self, quiet: float = 0.2) -> None:
        """Take in every event sent so far (waits until none comes for `quiet` seconds)."""
        while self._receive(quiet) is not None:
            pass

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None
    ) -> dict[str, Any]:
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            message = self._receive(deadline - time.monotonic())
            if message is not None and message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
        raise BrowserError(f"{method}: no answer within {self._timeout:.0f} s")

    # ------------------------------------------------------------------------------------------ pages

    def open(self, url: str, timeout: float = 30.0) -> Page:
        """A new tab that has loaded `url` (its load event fired), with console, log and network recorded."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        self._pages[session] = page
        for domain in ("Runtime", "Log", "Page", "Network"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in page.events):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url}: not loaded within {timeout:.0f} s")
            self._receive(0.5)
        self.drain()
        return page

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                try:
                    self._send("Browser.close", None, None)
                    self._proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    self._proc.kill()
                    self._proc.wait(timeout=10)
        finally:
            for fd in (self._out, self._in):
                with contextlib.suppress(OSError):
                    os.close(fd)
            shutil.rmtree(self._profile, ignore_errors=True)
