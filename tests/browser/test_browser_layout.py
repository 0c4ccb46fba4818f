"""Every page reflows to a 320 px wide window, and the keyboard focus can always be seen."""

import pytest

from tests.browser.helpers import (
    elements_past_the_right_edge,
    elements_without_visible_focus,
    horizontal_overflow,
)
from tests.browser.tours import TOURS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", TOURS)
def test_no_page_scrolls_sideways_at_320_pixels_wide(role, narrow_page, cast):
    assert narrow_page.viewport_size["width"] == 320
    too_wide = []
    for state in TOURS[role](narrow_page, cast):
        width = narrow_page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320 or horizontal_overflow(narrow_page) > 0:
            culprits = "; ".join(elements_past_the_right_edge(narrow_page))
            too_wide.append(f"{state} ({narrow_page.url}) is {width} px wide: {culprits}")
    assert not too_wide, "Pages that scroll sideways at 320 px:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("role", TOURS)
def test_focus_is_visible_on_every_element_a_keyboard_reaches(role, page, cast):
    invisible = []
    for state in TOURS[role](page, cast):
        invisible += [f"{state}: {element}" for element in elements_without_visible_focus(page)]
    assert not invisible, "Focused elements with no visible focus:\n" + "\n".join(invisible)
