"""Headless Chromium, from the system packages, as a person's browser: the DOM after the page's own
script ran, and a screenshot."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# The flags this machine needs: no sandbox as root, and nothing that reaches out to the network.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
TIMEOUT = 90


def chromium() -> str:
    """The browser, or a skip that says how to get it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed: .ci/run installs it (apt-get install chromium)")
    return found


def _run(page: Path, profile: Path, *args: str, fragment: str = "") -> str:
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    done = subprocess.run(
        [chromium(), *_FLAGS, f"--user-data-dir={profile}", *args, url],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def rendered(page: Path, profile: Path, *, fragment: str = "") -> str:
    """The page's DOM, serialised, once its script ran."""
    return _run(page, profile, "--dump-dom", fragment=fragment)


def screenshot(page: Path, profile: Path, picture: Path) -> Path:
    """A PNG of the page as a 1280-pixel-wide window shows it."""
    _run(page, profile, f"--screenshot={picture}", "--window-size=1280,2000")
    assert picture.is_file()
    assert picture.stat().st_size > 0
    return picture
