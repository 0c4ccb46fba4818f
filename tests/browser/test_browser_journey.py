"""A councillor's whole journey in a real browser: with the keyboard alone, and without JavaScript.

Sign in, start (before you start, the task list), answer the four areas, check the answers,
submit, open the report from the confirmation and download
the PDF; then the database must hold exactly what was chosen.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from assessments.models import Assessment, Question
from tests.browser.helpers import axe_check, focused_is, heading, tab_to
from tests.builders import PASSWORD

pytestmark = pytest.mark.browser

# How far down the scale (Yes, Partly, Not yet, Not sure) each answer is; every other
# question is answered "Yes".
CHOICES = {
    "take-calculated-risks": 1,
    "listen-to-others": 2,
    "select-priority-areas": 2,
    "monitor-progress": 1,
    "space-to-test": 3,
}
EXPECTED = {
    code: ["yes", "partly", "not-yet", "not-sure"][steps] for code, steps in CHOICES.items()
}
NOTE = "We run an ideas day each spring."

_FOCUSED_RADIO_GROUP_JS = """
() => {
  const el = document.activeElement;
  if (!el || el.type !== 'radio') return null;
  const answered = [...document.getElementsByName(el.name)].some(radio => radio.checked);
  return {name: el.name, answered};
}
"""


def _press_on(page: Page, locator) -> None:
    """Tab to a link or button and press Enter, then wait for the page it leads to."""
    tab_to(page, locator)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _answer_area_with_the_keyboard(page: Page) -> None:
    """Tab through the area page: Space picks "Yes" in each question's radios (arrow keys move
    down the scale where CHOICES says so), one note is typed, and Enter on "Save and continue"."""
    save = page.get_by_role("button", name="Save and continue")
    for _ in range(200):
        page.keyboard.press("Tab")
        if focused_is(page, save):
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
        group = page.evaluate(_FOCUSED_RADIO_GROUP_JS)
        if group and not group["answered"]:
            page.keyboard.press("Space")
            for _ in range(CHOICES.get(group["name"], 0)):
                page.keyboard.press("ArrowDown")
            if group["name"] == "experiment-and-learn":
                page.keyboard.press("Tab")  # into its note
                page.keyboard.type(NOTE)
    raise AssertionError(f"Tab never reached 'Save and continue' on {page.url}")


def _assert_everything_was_saved(councillor) -> None:
    assessment = Assessment.objects.get(owner=councillor)
    assert assessment.status == Assessment.Status.SUBMITTED
    answers = {a.question.code: a for a in assessment.answers.select_related("question", "option")}
    assert len(answers) == Question.objects.filter(area__checklist=assessment.checklist).count()
    assert {code: a.option.code for code, a in answers.items() if a.option.code != "yes"} == (
        EXPECTED
    )
    assert answers["experiment-and-learn"].note == NOTE


def _assert_is_the_pdf(download) -> None:
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_a_councillor_completes_the_whole_journey_with_the_keyboard_alone(
    page, checklist, councillor
):
    page.goto(reverse("assessments:start"))
    _press_on(page, page.get_by_role("link", name="Sign in").last)
    assert heading(page) == "Sign in"
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(councillor.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert heading(page) == "Your assessments"

    _press_on(page, page.get_by_role("button", name="Start a new assessment"))
    assert heading(page) == "Before you start"
    _press_on(page, page.get_by_role("button", name="Start your assessment"))
    assert heading(page) == "Your assessment"  # the task list
    _press_on(page, page.locator(".govuk-task-list__link").first)
    for number in range(1, 5):
        assert f"Area {number} of 4" in page.locator(".govuk-caption-l").inner_text()
        _answer_area_with_the_keyboard(page)

    assert heading(page) == "Your assessment"  # back on the task list, every area completed
    _press_on(page, page.get_by_role("link", name="Check your answers"))
    assert heading(page) == "Check your answers"
    axe_check(page)  # every answer given, one with a note: a state the tours do not reach
    _press_on(page, page.get_by_role("button", name="Submit assessment"))
    _press_on(page, page.get_by_role("button", name="View report"))
    tab_to(page, page.get_by_role("button", name="Download PDF"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    _assert_is_the_pdf(download.value)
    _assert_everything_was_saved(councillor)


def test_a_councillor_completes_the_whole_journey_without_javascript(
    no_js_page, checklist, councillor
):
    page = no_js_page
    page.goto(reverse("assessments:sign_in"))
    page.get_by_label("Email address").fill(councillor.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Start a new assessment").click()
    page.get_by_role("button", name="Start your assessment").click()
    page.locator(".govuk-task-list__link").first.click()

    for number in range(1, 5):
        assert f"Area {number} of 4" in page.locator(".govuk-caption-l").inner_text()
        for fieldset in page.locator("fieldset").all():
            radios = fieldset.locator("input[type=radio]")
            code = radios.first.get_attribute("name")
            radios.nth(CHOICES.get(code, 0)).check()
        if number == 1:
            page.get_by_label(re.compile("^Your note on “Experiment")).fill(NOTE)
            # A break half-way: the draft is kept, and its task list leads to the next area.
            page.get_by_role("button", name="Save and come back later").click()
            assert heading(page) == "Your assessment"
            page.locator(".govuk-task-list__link").nth(1).click()
        else:
            page.get_by_role("button", name="Save and continue").click()

    assert heading(page) == "Your assessment"
    page.get_by_role("link", name="Check your answers").click()
    assert heading(page) == "Check your answers"
    page.get_by_role("button", name="Submit assessment").click()
    page.get_by_role("button", name="View report").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    _assert_is_the_pdf(download.value)
    _assert_everything_was_saved(councillor)
