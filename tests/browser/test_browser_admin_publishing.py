"""The version page, what changed and the publish confirmation in a real browser at 1280 px:
axe finds nothing, and the pages are kept as screenshots to look at."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.models import ChecklistVersion, Question, Quote
from assessments.versioning import checklist_copy_as_draft
from tests.browser.helpers import axe_check, axe_violations, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("SCREENSHOTS", "/tmp/shots"))


def _look(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"publishing-{name}.png", full_page=True)
    axe_check(page)
    assert horizontal_overflow(page) == 0


def _look_at_version_page(page, name: str) -> None:
    """The version page, with its answer-options table: it passes axe."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"publishing-{name}.png", full_page=True)
    violations = axe_violations(page)
    assert not violations, "\n".join(violations)


def test_an_admin_copies_compares_and_publishes_through_the_confirmation_page(
    page, checklist, admin_user
):
    assert page.viewport_size["width"] == 1280
    sign_in(page, admin_user.email)

    page.goto(reverse("admin:assessments_checklistversion_change", args=[checklist.pk]))
    _look_at_version_page(page, "published-version")
    page.get_by_role("button", name="Copy as new draft version").click()
    page.get_by_text("Version 1 copied as draft version 2.").wait_for()

    draft = ChecklistVersion.objects.get(number=2)
    Question.objects.filter(checklist=draft, code="encourage-creativity").update(
        text="Do you encourage creativity in everyone?"
    )
    Quote.objects.filter(area__checklist=draft, area__code="climate", order=6).update(
        text="Creativity is everybody’s job."
    )
    page.reload()
    _look_at_version_page(page, "draft-version")

    page.get_by_role("link", name="What changed").click()
    page.get_by_text("1 key action reworded, 1 quote changed").wait_for()
    _look(page, "compare")

    page.goto(reverse("admin:assessments_checklistversion_change", args=[draft.pk]))
    page.get_by_role("link", name="Publish", exact=True).click()
    page.get_by_role("button", name="Publish version 2").wait_for()
    _look(page, "confirm")

    page.get_by_role("button", name="Publish version 2").click()
    page.get_by_text("Version 2 is published: new assessments start on it.").wait_for()
    _look_at_version_page(page, "published")
    assert ChecklistVersion.objects.published().pk == draft.pk


def test_the_confirmation_page_with_problems_passes_axe(page, checklist, admin_user):
    unchanged = checklist_copy_as_draft(checklist=checklist)
    sign_in(page, admin_user.email)

    page.goto(reverse("admin:assessments_checklistversion_publish", args=[unchanged.pk]))

    page.get_by_text("Version 2 cannot be published yet").wait_for()
    _look(page, "confirm-problems")
    assert page.get_by_role("button", name="Publish version 2").count() == 0
