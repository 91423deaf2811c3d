"""The HTML report in a real browser: headless Chromium loads it from file://, the script runs
without console errors, blocks and legend are in the DOM, and a screenshot is taken."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hwsdk.report.html import render_html

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                "(Debian package `chromium`; `bash scripts/setup.sh "
                                "--with-browser` installs it, .ci/run does)")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-extensions",
         "--no-first-run", "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0"]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_browser_renders_the_plan(bert_plan: Any, tmp_path: Path) -> None:
    page = tmp_path / "plan.html"
    page.write_text(render_html(bert_plan), encoding="utf-8")
    url = page.as_uri() + "#r2"  # also opens region r2's node list
    dom = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", url)
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body is not None, dom.stderr[-2000:]
    assert 'data-status="ready"' in body.group(0), body.group(0)
    assert f'data-blocks="{len(bert_plan.regions)}"' in body.group(0)
    assert 'data-legend="2"' in body.group(0)
    console_errors = [line for line in dom.stderr.splitlines()
                      if "CONSOLE" in line and ("Error" in line or "error" in line)]
    assert not console_errors, console_errors
    assert "<h2>r2 · " in dom.stdout  # the script filled the node panel
    assert dom.stdout.count('<g class="block') == len(bert_plan.regions)
    shot = tmp_path / "plan.png"
    result = _chromium(tmp_path, "--window-size=1400,900", f"--screenshot={shot}", url)
    assert shot.exists() and shot.stat().st_size > 10_000, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
