"""
The projector view of a group's agenda in a real browser: axe at 0 on its start, item and end
screens at a laptop's 1280 x 720 and at 320 px, nothing scrolling sideways, the item and its
links on the first screenful of a projector, the arrow keys and Page Up / Page Down, and the
links alone without JavaScript.
"""

import pytest
from django.urls import reverse

from assessments import group_reports
from tests.browser.helpers import axe_check, horizontal_overflow, sign_in
from tests.group_helpers import build_group

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture
def group(checklist, council, officer):
    """A group of 12 with an agenda of five, each with the facilitator prompts the fixtures
    ship (two or three questions)."""
    group = build_group(council, checklist, facilitator=officer).group
    assert all(item.row.prompts for item in group_reports.build_group_report(group).agenda)
    return group


def screen_url(live_server, group, screen: int | None = None) -> str:
    if screen is None:
        path = reverse("assessments:group_projector", args=[group.pk])
    else:
        path = reverse("assessments:group_projector_screen", args=[group.pk, screen])
    return live_server.url + path


def screens(live_server, group) -> list[str]:
    agenda = group_reports.build_group_report(group).agenda
    return [screen_url(live_server, group, n or None) for n in range(len(agenda) + 2)]


def test_every_screen_passes_axe_and_fits_a_projector(page, live_server, group, officer):
    page.set_viewport_size(PROJECTOR)
    sign_in(page, officer.email)

    for url in screens(live_server, group):
        page.goto(url)
        axe_check(page)
        assert horizontal_overflow(page) == 0, url
        # The item and the way on are on the first screenful: nobody scrolls a projector.
        link = page.locator("[data-projector-key]").last
        box = link.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PROJECTOR["height"], (url, box)


def test_every_screen_passes_axe_at_320_px_without_scrolling_sideways(
    narrow_page, live_server, group, officer
):
    sign_in(narrow_page, officer.email)

    for url in screens(live_server, group):
        narrow_page.goto(url)
        axe_check(narrow_page)
        assert horizontal_overflow(narrow_page) == 0, url


def test_the_arrow_keys_and_page_keys_move_between_screens(page, live_server, group, officer):
    page.set_viewport_size(PROJECTOR)
    sign_in(page, officer.email)
    page.goto(screen_url(live_server, group))

    for key, screen in [
        ("ArrowRight", 1),
        ("PageDown", 2),
        ("ArrowRight", 3),
        ("ArrowLeft", 2),
        ("PageUp", 1),
        ("ArrowLeft", None),
    ]:
        with page.expect_navigation():
            page.keyboard.press(key)
        assert page.url == screen_url(live_server, group, screen), key
    assert page.get_by_text("Keys: left and right arrows, or Page Up and Page Down.").is_visible()


def test_a_key_pressed_with_a_modifier_is_left_to_the_browser(page, live_server, group, officer):
    sign_in(page, officer.email)
    page.goto(screen_url(live_server, group, 2))

    page.keyboard.press("Alt+ArrowRight")
    page.keyboard.press("Control+PageDown")
    page.wait_for_timeout(300)

    assert page.url == screen_url(live_server, group, 2)


def test_without_javascript_the_links_move_between_screens(no_js_page, live_server, group, officer):
    page = no_js_page
    sign_in(page, officer.email)
    page.goto(screen_url(live_server, group))
    nav = page.get_by_role("navigation", name="Agenda")

    nav.get_by_role("link", name="Start").click()
    assert page.url == screen_url(live_server, group, 1)
    assert page.get_by_text("Item 1 of 5", exact=True).is_visible()
    nav.get_by_role("link", name="Next").click()
    assert page.url == screen_url(live_server, group, 2)
    nav.get_by_role("link", name="Previous").click()
    assert page.url == screen_url(live_server, group, 1)
    # The hint about keys would be wrong here: no script reads them.
    assert not page.get_by_text("Keys: left and right arrows").is_visible()
