"""
The report in a real browser, at a desktop's 1280 px and a phone's 375 px: the action plan first,
axe at 0 and nothing scrolling sideways, and a focus action chosen in one click from the plan.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionStep, StepReview
from tests.browser.helpers import (
    axe_check,
    elements_past_the_right_edge,
    horizontal_overflow,
    sign_in,
)
from tests.builders import MIXED_ANSWERS, MIXED_GAPS_IN_ORDER, add_note, add_step, submit

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def report(checklist, councillor):
    """A second assessment with two focus actions, a step in the compact list, notes (one a
    very long word), and a last plan with a step to carry over."""
    earlier = submit(
        councillor,
        checklist,
        {**MIXED_ANSWERS, "persist": "not-yet"},
        submitted_at=timezone.now() - datetime.timedelta(days=365),
    )
    old = add_step(
        earlier,
        "devote-resources",
        what="Ask for a budget line",
        due_date=datetime.date(2026, 3, 31),
    )
    assessment = submit(councillor, checklist, MIXED_ANSWERS)
    StepReview.objects.create(assessment=assessment, step=old, outcome=StepReview.Outcome.NOT_DONE)
    for code in MIXED_GAPS_IN_ORDER[1:3]:
        add_step(
            assessment,
            code,
            what=f"Bring a paper on {code} to cabinet",
            lead="Cabinet member for transformation",
            due_date=datetime.date(2031, 3, 31),
            reported_to="Overview and scrutiny committee",
            is_focus=True,
        )
    add_step(assessment, "space-to-test", what="Set up a test-and-learn fund")
    add_note(assessment, "communicate-the-need", "A note with a long word: " + "W" * 120)
    add_note(assessment, "experiment-and-learn", "Ask the chief executive")
    return assessment


def report_url(assessment):
    return reverse("assessments:report", args=[assessment.pk])


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "375"])
def test_the_report_reads_plan_first_with_no_accessibility_violations_or_sideways_scroll(
    browser, live_server, councillor, report, viewport
):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, councillor.email)
        page.goto(report_url(report))

        headings = page.locator("h2").all_inner_texts()
        assert headings.index("Summary") < headings.index("Your action plan")
        assert headings.index("Your action plan") < headings.index("Other gaps")
        assert headings.index("Other gaps") < headings.index("Things to find out")
        assert "Progress on your last plan" in headings
        assert horizontal_overflow(page) == 0, elements_past_the_right_edge(page)
        axe_check(page)
        # The guidance of a gap in the compact list opens and closes: check it open too.
        page.locator(".app-gap-line__guidance summary").first.click()
        axe_check(page)
        assert horizontal_overflow(page) == 0, elements_past_the_right_edge(page)
    finally:
        context.close()


def test_a_suggested_gap_becomes_a_focus_action_in_one_click_and_a_save(page, councillor, report):
    sign_in(page, councillor.email)
    page.goto(report_url(report))
    first_suggested = MIXED_GAPS_IN_ORDER[0]

    page.locator(f"#gap-{first_suggested}").get_by_role(
        "link", name="Add as a focus action"
    ).click()
    assert page.get_by_label("Make this one of your focus actions").is_checked()
    page.get_by_label("What will you do?").fill("Ask for a budget line for the priorities")
    page.get_by_role("button", name="Save next step").click()

    plan = page.locator("#action-plan")
    assert plan.locator(f"#gap-{first_suggested}").count() == 1
    assert "Ask for a budget line for the priorities" in plan.inner_text()
    assert ActionStep.objects.filter(
        answer__assessment=report, answer__question__code=first_suggested, is_focus=True
    ).exists()
    axe_check(page)


def test_carrying_a_step_over_leads_to_its_page_to_set_a_new_date(page, councillor, report):
    sign_in(page, councillor.email)
    page.goto(report_url(report))

    page.locator("#last-plan").get_by_role("button", name="Carry into your plan").click()

    assert page.get_by_role("heading", name="Change your next step").count() == 1
    assert page.get_by_label("What will you do?").input_value() == "Ask for a budget line"
    axe_check(page)
