"""
The journey with the task list as home, in a real browser: before you start, the task list's
states, "Save and continue" with questions left open, Change from Check your answers and back,
the review of the last plan, and the confirmation.

One walk drives the browser through every state and yields its name; the tests check each state
three ways: axe-core at 0 violations (desktop), no sideways scrolling at 320 px, and the whole
walk working in a context without JavaScript.
"""

import datetime
from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from assessments.models import Assessment, StepReview
from tests.browser.helpers import axe_check, heading, horizontal_overflow, sign_in
from tests.builders import add_step, submit

pytestmark = pytest.mark.browser


def _go(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _button(page: Page, name: str) -> None:
    _go(page, page.get_by_role("button", name=name, exact=True))


def _answer_every_question(page: Page) -> None:
    for fieldset in page.locator("fieldset").all():
        fieldset.locator("input[type=radio]").first.check()


def _task_status(page: Page, task_id: str) -> str:
    return page.locator(f"#{task_id}-status").inner_text().strip()


def first_assessment_walk(page: Page, councillor) -> Iterator[str]:
    """A councillor's first assessment, from the dashboard to the confirmation."""
    sign_in(page, councillor.email)
    _go(page, page.get_by_role("button", name="Start a new assessment"))
    assert heading(page) == "Before you start"
    assert "Freedom of Information Act" in page.content()
    yield "before you start"

    _button(page, "Start your assessment")
    assert heading(page) == "Your assessment"
    assert _task_status(page, "check") == "Cannot start yet"
    yield "task list, nothing answered"

    _go(page, page.locator(".govuk-task-list__link").first)
    assert "Area 1 of 4" in page.locator(".govuk-caption-l").inner_text()
    page.locator("fieldset").first.locator("input[type=radio]").first.check()
    _button(page, "Save and continue")
    assert "Area 1 of 4" in page.locator(".govuk-caption-l").inner_text()  # it stayed
    links = page.locator(".govuk-error-summary__list a")
    assert links.count() == 5
    yield "area saved with questions left open"

    # An error link lands on its question's fieldset, with or without JavaScript.
    target = links.first.get_attribute("href")
    links.first.click()
    assert page.evaluate("document.activeElement.id") == target.removeprefix("#")
    _answer_every_question(page)
    _button(page, "Save and come back later")
    assert heading(page) == "Your assessment"
    assert "Your answers have been saved" in page.content()
    yield "task list, one area completed"

    for number in range(2, 5):
        _go(page, page.locator(".govuk-task-list__link").nth(number - 1))
        _answer_every_question(page)
        _button(page, "Save and come back later")
    assert _task_status(page, "check") == "Not started"
    yield "task list, every area completed"

    _go(page, page.get_by_role("link", name="Check your answers"))
    yield "check your answers"

    _go(page, page.locator('.govuk-summary-list__actions a:has-text("Change")').first)
    assert "Area 1 of 4" in page.locator(".govuk-caption-l").inner_text()
    yield "an area opened with Change"

    _button(page, "Save and continue")
    assert heading(page) == "Check your answers"  # back where Change was pressed
    _button(page, "Submit assessment")
    assert page.locator(".govuk-panel__title").inner_text().strip() == "Assessment submitted"
    yield "confirmation"


def next_assessment_walk(page: Page, councillor) -> Iterator[str]:
    """A councillor with a submitted assessment and a plan: the choice, and the review."""
    sign_in(page, councillor.email)
    _go(page, page.get_by_role("button", name="Start a new assessment"))
    yield "before you start, with the start choice"

    page.get_by_label("Start from your last answers").check()
    _button(page, "Start your assessment")
    assert _task_status(page, "last-plan") == "Not started"
    yield "task list with the last plan to review"

    _go(page, page.get_by_role("link", name="Review your last plan"))
    assert "You planned: Hold a quarterly review (by 1 March 2027)" in page.content()
    yield "review your last plan"

    _button(page, "Save and continue")
    assert page.locator(".govuk-error-summary__list a").count() == 1
    yield "review your last plan with the step left open"

    page.get_by_label("Partly done").check()
    _button(page, "Save and continue")
    assert _task_status(page, "last-plan") == "Completed"
    draft = Assessment.objects.get(owner=councillor, status=Assessment.Status.DRAFT)
    assert StepReview.objects.get(assessment=draft).outcome == StepReview.Outcome.PARTLY_DONE
    page.goto(reverse("assessments:check_answers", args=[draft.pk]))
    _button(page, "Submit assessment")
    assert page.locator(".govuk-error-summary").count() == 1  # answers still to confirm
    yield "check your answers with the review and answers to confirm"


@pytest.fixture
def returning(checklist, councillor):
    last = submit(councillor, checklist, {"persist": "not-yet"})
    add_step(last, "persist", what="Hold a quarterly review", due_date=datetime.date(2027, 3, 1))
    return councillor


WALKS = {"first": first_assessment_walk, "next": next_assessment_walk}


def _person(name, request):
    return request.getfixturevalue("returning" if name == "next" else "councillor")


@pytest.mark.parametrize("walk", WALKS)
def test_every_state_of_the_journey_passes_axe(page, checklist, walk, request):
    for _state in WALKS[walk](page, _person(walk, request)):
        axe_check(page)


@pytest.mark.parametrize("walk", WALKS)
def test_no_state_of_the_journey_scrolls_sideways_at_320_pixels(
    narrow_page, checklist, walk, request
):
    for state in WALKS[walk](narrow_page, _person(walk, request)):
        assert horizontal_overflow(narrow_page) == 0, state


@pytest.mark.parametrize("walk", WALKS)
def test_the_journey_works_without_javascript(no_js_page, checklist, walk, request):
    states = list(WALKS[walk](no_js_page, _person(walk, request)))

    assert len(states) == (8 if walk == "first" else 5)
