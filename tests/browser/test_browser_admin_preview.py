"""The admin's preview of a draft version, in a real browser: each of its four pages passes
axe at 1280 px and at 320 px, and none scrolls sideways at 320 px."""

import pytest
from django.urls import reverse

from tests.browser.helpers import (
    axe_violations,
    elements_past_the_right_edge,
    horizontal_overflow,
    sign_in,
)
from tests.builders import new_checklist_version

pytestmark = pytest.mark.browser


def preview_urls(version) -> dict[str, str]:
    name = "admin:assessments_checklistversion_preview"
    first_area = version.areas.order_by("order").first().code
    return {
        "the preview's home": reverse(name, args=[version.pk]),
        "an area": reverse(f"{name}_area", args=[version.pk, first_area]),
        "check your answers": reverse(f"{name}_check", args=[version.pk]),
        "the sample report": reverse(f"{name}_report", args=[version.pk]),
    }


@pytest.fixture
def draft_version(checklist):
    return new_checklist_version(
        checklist, reword={"encourage-creativity": "Do you reward creative thinking?"}
    )


def test_every_preview_page_passes_axe_on_a_desktop_and_a_phone(
    page, narrow_page, admin_user, draft_version
):
    violations = []
    for browser_page in (page, narrow_page):
        sign_in(browser_page, admin_user.email)
        width = browser_page.viewport_size["width"]
        for state, url in preview_urls(draft_version).items():
            browser_page.goto(url)
            assert "Preview of draft version" in browser_page.content(), state
            violations += [f"{state} at {width} px: {v}" for v in axe_violations(browser_page)]
    assert not violations, "axe found violations:\n" + "\n".join(violations)


def test_no_preview_page_scrolls_sideways_at_320_pixels_wide(
    narrow_page, admin_user, draft_version
):
    sign_in(narrow_page, admin_user.email)
    too_wide = []
    for state, url in preview_urls(draft_version).items():
        narrow_page.goto(url)
        if horizontal_overflow(narrow_page) > 0:
            culprits = "; ".join(elements_past_the_right_edge(narrow_page))
            too_wide.append(f"{state} ({url}): {culprits}")
    assert not too_wide, "Pages that scroll sideways at 320 px:\n" + "\n".join(too_wide)
