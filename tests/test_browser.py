"""The reports in a real browser: headless Chromium (Debian's), driven by Playwright.

CI installs Chromium (.ci/run); elsewhere these tests are skipped, and say so,
when no Chromium is found.
"""
from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner
from helpers import ROOT

from grader.cli import main

CHROMIUM = os.environ.get("GRADER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="no Chromium installed")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "out"
    result = CliRunner().invoke(main, ["grade", str(ROOT / "examples" / "sample_class"), "--out", str(out),
                                       "--assignment", "tensor_creation", "--assignment", "gotchas"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "CI must install Chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        yield tab
        browser.close()


def test_student_report_shows_total_and_a_failed_checks_reason(page, graded_class):
    page.goto((graded_class / "bob" / "report.html").as_uri())
    assert page.locator("#total").inner_text() == "Total: 6 / 20"
    row = page.locator("tr.check[data-status=failed]").first
    message = row.locator("p.message")
    assert not message.is_visible()
    row.locator("summary").click()
    assert message.is_visible() and "has dtype torch.int64, expected torch.float32" in message.inner_text()
    assert row.locator("p.hint").is_visible()
    # Readable on a phone: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_class_report_charts_have_size_and_the_table_sorts(page, graded_class):
    page.goto((graded_class / "index.html").as_uri())
    for chart in page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 20
    bars = page.locator("svg.chart rect")
    assert bars.count() > 5 and max(bars.nth(i).bounding_box()["height"] for i in range(bars.count())) > 5
    first = lambda: page.locator("#students tbody tr td:first-child").first.inner_text()  # noqa: E731
    assert first() == "alice"
    page.locator("#students th button", has_text="Score").click()  # ascending
    assert first() in ("carol", "dave", "frank")
    page.locator("#students th button", has_text="Score").click()  # descending
    assert first() == "alice"
    page.locator("#students a", has_text="bob").click()
    assert page.url.endswith("bob/report.html")
