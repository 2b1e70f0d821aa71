"""Headless Chromium for the report tests: screenshot a page, dump its DOM, collect its console messages.

Usage in a test::

    from tests.reports.chromium import require_chromium, screenshot
    run = screenshot(page_path, tmp_path)          # skips the test when Chromium is absent
    assert run.console == [] and pixels(run.png).std() > 0.05
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--enable-logging=stderr",
    "--v=0",
)
# What a page logs to the console (errors, CSP violations, blocked loads) shows up in the log with these marks.
CONSOLE_MARKS = (":CONSOLE", "Uncaught", "Refused to", "Content Security Policy")


@dataclass(frozen=True)
class ChromiumRun:
    """The outcome of one Chromium run: the screenshot (or None), the DOM (or ""), and the console lines."""

    png: Path | None
    dom: str
    log: str

    @property
    def console(self) -> list[str]:
        return [line for line in self.log.splitlines() if any(mark in line for mark in CONSOLE_MARKS)]


def chromium_path(wait_seconds: float = 0.0) -> str | None:
    """The Chromium binary, waiting up to ``wait_seconds`` for an apt install still running."""
    deadline = time.monotonic() + wait_seconds
    while True:
        found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(5)


def require_chromium() -> str:
    """The Chromium binary, or skip the calling test (only when Chromium is not installed)."""
    found = chromium_path(wait_seconds=float(os.environ.get("ABKIT_WAIT_FOR_CHROMIUM", "0")))
    if found is None:
        pytest.skip(f"Chromium is not installed ({CHROMIUM} missing; `make system-deps` installs it)")
    return found


def _run(page: Path, workdir: Path, extra: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    binary = require_chromium()
    profile = workdir / "chromium-profile"
    profile.mkdir(parents=True, exist_ok=True)
    command = [binary, *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=workdir)


def screenshot(
    page: Path, workdir: Path, *, size: tuple[int, int] = (1280, 2000), timeout: float = 90.0
) -> ChromiumRun:
    """Load ``page`` headless and save a screenshot of the viewport to ``workdir/shot.png``."""
    png = workdir / "shot.png"
    done = _run(page, workdir, [f"--screenshot={png}", f"--window-size={size[0]},{size[1]}"], timeout=timeout)
    assert done.returncode == 0, f"chromium exited with {done.returncode}: {done.stderr[-2000:]}"
    return ChromiumRun(png if png.exists() else None, "", done.stderr)


def dump_dom(page: Path, workdir: Path, *, timeout: float = 90.0) -> ChromiumRun:
    """Load ``page`` headless and return the DOM as the browser built it (after parsing, scripts, CSP)."""
    done = _run(page, workdir, ["--dump-dom"], timeout=timeout)
    assert done.returncode == 0, f"chromium exited with {done.returncode}: {done.stderr[-2000:]}"
    return ChromiumRun(None, done.stdout, done.stderr)


def pixels(png: Path) -> np.ndarray:
    """The RGB pixels of a PNG as floats in [0, 1], shape (height, width, 3)."""
    from matplotlib.image import imread

    image = np.asarray(imread(png), dtype=float)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image[:, :, :3]
