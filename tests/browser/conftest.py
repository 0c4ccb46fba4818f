"""
Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Browsers cannot be downloaded on these machines, so every launch names /usr/bin/chromium
(`scripts/setup` installs it) and turns off everything that would reach the network. axe-core
comes inside axe-playwright-python, so the accessibility checks run offline too.

The live server serves the compiled GOV.UK Frontend from `static/dist/`, which `npm run build`
writes (`scripts/setup` runs it). Without it every page would be unstyled and the 320 px and
focus checks would pass or fail for the wrong reasons, so the tests stop with a message
instead of skipping.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.tours import Cast, make_cast

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-gpu",
]
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}
# Playwright waits 30 s by default; a page of this service that takes 10 s is already broken.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    css = Path(settings.BASE_DIR) / "static" / "dist" / "application.css"
    if not css.exists():
        pytest.fail(
            f"{css} is missing: the browser tests need the compiled front end. "
            "Run `npm ci && npm run build` (or `bash scripts/setup`) first.",
            pytrace=False,
        )
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`bash scripts/setup` does).",
            pytrace=False,
        )
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM
    # calls from such a thread unless told the caller knows it is safe (it is: the loop only
    # talks to the browser). Only the browser tests set this, and only while they run.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


def _context(browser: Browser, live_server, **options) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser, live_server) -> Iterator[BrowserContext]:
    context = _context(browser, live_server, viewport=DESKTOP, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


@pytest.fixture
def narrow_page(browser, live_server) -> Iterator[Page]:
    """A phone-sized window: 320 CSS pixels wide, WCAG's reflow width."""
    context = _context(browser, live_server, viewport=NARROW)
    yield context.new_page()
    context.close()


@pytest.fixture
def no_js_page(browser, live_server) -> Iterator[Page]:
    context = _context(
        browser, live_server, viewport=DESKTOP, java_script_enabled=False, accept_downloads=True
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def cast(checklist, councillor, officer, admin_user) -> Cast:
    return make_cast(councillor=councillor, officer=officer, admin=admin_user)
