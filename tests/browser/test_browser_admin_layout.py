"""The content admin fits a 1280 px window: no page and no inline scrolls sideways, every answer
option's points and hint can be seen, and a key action's history is readable."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from assessments.models import Area, Question
from assessments.versioning import checklist_copy_as_draft
from tests.browser.helpers import (
    axe_check,
    elements_past_the_right_edge,
    horizontal_overflow,
    sign_in,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")

# Every box that scrolls or clips its content sideways (the admin's content column and each
# inline among them), with how wide its content is. A text box scrolling its own text is not
# the page's layout.
_SCROLLING_BOXES_JS = """
() => [...document.body.querySelectorAll('*')]
  .filter(el => !['INPUT', 'TEXTAREA'].includes(el.tagName) && el.clientWidth > 1 &&
    el.scrollWidth > el.clientWidth + 1 &&
    ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX))
  .map(el => el.tagName.toLowerCase() + '#' + el.id + '.' + [...el.classList].join('.') + ': ' +
    el.scrollWidth + ' px in ' + el.clientWidth + ' px')
"""


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"history-{name}.png"), full_page=True)


def assert_fits(page: Page, name: str) -> None:
    shoot(page, name)
    assert page.viewport_size["width"] == 1280
    culprits = elements_past_the_right_edge(page)
    assert horizontal_overflow(page) == 0, f"{name} scrolls sideways: {culprits}"
    assert culprits == [], f"{name} has something past the window's right edge"
    assert page.evaluate(_SCROLLING_BOXES_JS) == [], f"{name} has a box that scrolls sideways"


@pytest.fixture
def draft_version(checklist):
    return checklist_copy_as_draft(checklist=checklist)


def test_the_content_admin_pages_fit_1280_pixels_with_every_answer_options_points_and_hint(
    page, cast, draft_version
):
    sign_in(page, cast.admin.email)
    area = Area.objects.get(checklist=draft_version, code="climate")
    question = Question.objects.get(area=area, code="encourage-creativity")
    quote = area.quotes.first()

    page.goto(reverse("admin:assessments_checklistversion_change", args=[draft_version.pk]))
    assert_fits(page, "version")
    rows = page.locator("#answer_options-group tbody tr.form-row.has_original")
    assert rows.count() == 4
    for index in range(rows.count()):
        for field in [
            "order",
            "code",
            "label_en_gb",
            "label_cy",
            "points",
            "hint_en_gb",
            "hint_cy",
        ]:
            box = page.locator(f"#id_answer_options-{index}-{field}").bounding_box()
            assert box is not None, field
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, (index, field, box)

    page.goto(reverse("admin:assessments_area_change", args=[area.pk]))
    assert_fits(page, "area")
    page.goto(reverse("admin:assessments_question_change", args=[question.pk]))
    assert_fits(page, "question")
    page.goto(reverse("admin:assessments_quote_change", args=[quote.pk]))
    assert_fits(page, "quote")


def test_the_history_of_an_edited_key_action_shows_its_author_and_passes_axe(
    page, cast, draft_version
):
    question = Question.objects.get(area__checklist=draft_version, code="persist")
    question.save()  # the wording before the edit, as a copy records it
    sign_in(page, cast.admin.email)
    page.goto(reverse("admin:assessments_question_change", args=[question.pk]))
    page.get_by_label("The question (English)").fill(
        "Do you keep going when innovations meet barriers?"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()

    page.goto(reverse("admin:assessments_question_history", args=[question.pk]))
    shoot(page, "question-history")

    body = page.locator("#content-main").inner_text()
    assert cast.admin.full_name in body
    assert "Do you persist, persist, persist?" in body
    assert "Do you keep going when innovations meet barriers?" in body
    assert horizontal_overflow(page) == 0
    axe_check(page)

    page.goto(reverse("admin:assessments_checklistversion_history", args=[draft_version.pk]))
    shoot(page, "version-history")
    axe_check(page)
