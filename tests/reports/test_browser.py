from __future__ import annotations

import numpy as np
import pytest

from abkit.reports.render import render_page
from tests.reports.chromium import dump_dom, pixels, screenshot
from tests.reports.gallery import HOSTILE, render_gallery
from tests.reports.markup_checks import assert_no_injection, parse_html

pytestmark = pytest.mark.browser

SHIP_GREEN = np.array([0x00, 0x73, 0x5A]) / 255  # --ship in style.css: the verdict mark and border


def test_gallery_renders_styled_and_quiet_in_chromium(tmp_path):
    page = tmp_path / "gallery.html"
    page.write_text(render_gallery(), encoding="utf-8")
    run = screenshot(page, tmp_path)
    assert run.png is not None and run.png.stat().st_size > 10_000
    image = pixels(run.png)
    assert image.shape == (2000, 1280, 3)
    assert image.std() > 0.05  # not a blank page
    ink = (image.min(axis=2) < 0.9).mean()
    assert 0.03 < ink < 0.6, ink
    # the inline stylesheet was applied (the CSP allows it): the verdict banner is there in its colour
    ship = (np.abs(image - SHIP_GREEN).max(axis=2) < 0.04).sum()
    assert ship > 500, ship
    assert run.console == []


def test_hostile_gallery_has_no_active_elements_in_chromium(tmp_path):
    page = tmp_path / "hostile.html"
    page.write_text(render_gallery(" ".join(HOSTILE)), encoding="utf-8")
    run = dump_dom(page, tmp_path)
    assert "<main>" in run.dom and 'class="abk-verdict' in run.dom
    assert_no_injection(run.dom)
    assert not [tag for tag, _ in parse_html(run.dom).tags if tag in ("script", "img")]
    assert run.console == []


def test_console_check_sees_what_the_csp_blocks(tmp_path):
    """The 'no console messages' assertions above can fail: a script and a remote image are blocked and logged."""
    html = render_page("base.html", {"title": "CSP probe"}).replace(
        "</main>", "<script>console.log('ran')</script><img src=\"https://example.invalid/x.png\"></main>"
    )
    page = tmp_path / "probe.html"
    page.write_text(html, encoding="utf-8")
    run = dump_dom(page, tmp_path)
    blocked = [line for line in run.console if "Content Security Policy" in line]
    assert len(blocked) >= 2, run.console
    assert not any('"ran"' in line for line in run.console)  # the script did not run
