"""The HTML report in a real browser: headless Chromium at 1280 and 400 pixels wide.

Nothing may widen the page (its scroll width equals the window width: wide tables scroll in
their own box) and every section heading must be visible. Skipped, with the reason, when no
Chromium is installed (`.ci/run` installs Debian's `chromium`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from foretell.report.build import build_report
from foretell.report.render import render

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH to render HTML")

PROBE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="page" style="border:0;width:WIDTHpx;height:900px" srcdoc="PAGE"></iframe>
<script>
document.getElementById("page").addEventListener("load", (event) => {
  const win = event.target.contentWindow, doc = win.document;
  const width = win.innerWidth;
  const headings = [...doc.querySelectorAll("h1, h2")].map((h) => {
    const box = h.getBoundingClientRect();
    const style = win.getComputedStyle(h);
    return {text: h.textContent, visible: box.width > 0 && box.height > 0
            && style.visibility !== "hidden" && style.display !== "none"
            && box.left >= 0 && box.right <= width + 0.5};
  });
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({width, scroll: doc.documentElement.scrollWidth, headings});
  document.body.appendChild(out);
});
</script></body></html>
"""


def probe(page: str, width: int) -> dict:
    """Load ``page`` in a frame ``width`` px wide (a narrow phone screen is narrower than the
    smallest headless window); what the probe found."""
    import html

    frame = PROBE.replace("WIDTH", str(width)).replace("PAGE", html.escape(page, quote=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.html"
        path.write_text(frame, encoding="utf-8")
        done = subprocess.run(
            [
                str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                f"--user-data-dir={Path(tmp) / 'profile'}", f"--window-size={width + 100},1000",
                "--virtual-time-budget=10000", "--dump-dom", path.as_uri(),
            ],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"chromium printed no probe result: {done.stderr[-500:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    from foretell.demo import build_demo
    from foretell.frames import load_frames

    home = build_demo(tmp_path_factory.mktemp("browser") / "sim")
    return render(build_report(load_frames(home), home=home.root.name), "html")


@pytest.mark.parametrize("width", [1280, 400])
def test_nothing_overflows_and_every_heading_shows(demo_page: str, width: int) -> None:
    seen = probe(demo_page, width)
    assert seen["width"] == width
    assert seen["scroll"] == seen["width"]
    assert len(seen["headings"]) > 10
    hidden = [h["text"] for h in seen["headings"] if not h["visible"]]
    assert not hidden
