"""
A new edition of the checklist, end to end in a real browser (issue #14): an admin copies the
published version, rewords a key action and a quote on the draft's area page, previews the
draft as a councillor would see it, reads what changed, publishes it through the confirmation
page and finds the edit, with its author, in the key action's history. A councillor who
answered the old edition then starts again from their last answers: the reworded key action
is marked, shows what it asked before, and must be answered afresh. axe finds nothing on any
admin page on the way.
"""

import pytest
from django.urls import reverse

from assessments.models import ChecklistVersion, Question
from tests.browser.helpers import axe_violations, sign_in
from tests.builders import submit

pytestmark = pytest.mark.browser

OLD_WORDING = "Do you encourage creativity?"
NEW_WORDING = "Do you encourage creativity in everyone who works for the council?"
NEW_QUOTE = "Creativity is everybody's job, not a department's."


def test_an_admin_publishes_a_reworded_edition_and_a_councillor_answers_it_afresh(
    page, browser, live_server, checklist, admin_user, councillor
):
    submit(councillor, checklist, default="partly")
    violations: list[str] = []

    def look(state: str) -> None:
        violations.extend(f"{state}: {v}" for v in axe_violations(page))

    sign_in(page, admin_user.email)
    page.goto(reverse("admin:assessments_checklistversion_change", args=[checklist.pk]))
    look("the published version's page")
    page.get_by_role("button", name="Copy as new draft version").click()
    page.get_by_text("Version 1 copied as draft version 2.").wait_for()
    draft = ChecklistVersion.objects.get(number=2)
    look("the draft's page")

    # Reword a key action and a quote on the draft's area page, as an admin would.
    with page.expect_navigation():
        page.get_by_role("link", name="Create the climate for innovation").click()
    look("the draft's area page")
    page.locator(f"input[value='{OLD_WORDING}']").fill(NEW_WORDING)
    page.locator("textarea[name^='quotes-'][name$='-text_en_gb']").first.fill(NEW_QUOTE)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was changed successfully").wait_for()

    # Preview: the new words, as a councillor will see them, with made-up answers.
    page.goto(reverse("admin:assessments_checklistversion_change", args=[draft.pk]))
    page.get_by_role("link", name="Preview").click()
    page.get_by_text("Preview of draft version 2").first.wait_for()
    look("the preview's home")
    with page.expect_navigation():
        page.get_by_role("link", name="Create the climate for innovation").click()
    assert page.get_by_role("group", name=NEW_WORDING).count() == 1
    look("the preview of an area")

    # What changed, in words, old and new side by side.
    page.goto(reverse("admin:assessments_checklistversion_compare", args=[draft.pk]))
    page.get_by_text("1 key action reworded").first.wait_for()
    content = page.content()
    assert OLD_WORDING in content and NEW_WORDING in content and NEW_QUOTE in content
    look("what changed")

    # Publish through the confirmation page.
    page.goto(reverse("admin:assessments_checklistversion_change", args=[draft.pk]))
    page.get_by_role("link", name="Publish", exact=True).click()
    page.get_by_role("button", name="Publish version 2").wait_for()
    look("the confirmation")
    page.get_by_role("button", name="Publish version 2").click()
    page.get_by_text("Version 2 is published: new assessments start on it.").wait_for()
    assert ChecklistVersion.objects.published().pk == draft.pk

    # The key action's history: the edit, with who made it, before and after.
    reworded = Question.objects.get(checklist=draft, code="encourage-creativity")
    page.goto(reverse("admin:assessments_question_history", args=[reworded.pk]))
    history = page.content()
    assert admin_user.full_name in history
    assert OLD_WORDING in history and NEW_WORDING in history
    look("the key action's history")
    assert not violations, "axe found violations:\n" + "\n".join(violations)

    # The councillor starts again from their last answers, on the new edition.
    councillor_context = browser.new_context(base_url=live_server.url)
    councillor_page = councillor_context.new_page()
    sign_in(councillor_page, councillor.email)
    councillor_page.get_by_role("button", name="Start a new assessment").click()
    councillor_page.get_by_label("Start from your last answers").check()
    councillor_page.get_by_role("button", name="Start your assessment").click()
    councillor_page.get_by_role("link", name="Create the climate for innovation").click()

    question = councillor_page.get_by_role("group", name=NEW_WORDING)
    assert "This question has changed since you last answered." in question.inner_text()
    assert f"Last time it asked “{OLD_WORDING}” and you answered “Partly”." in (
        question.inner_text()
    )
    assert not question.get_by_role("radio", checked=True).count()
    assert not axe_violations(councillor_page)

    # Confirming the rest is not enough: the reworded key action needs an answer of its own.
    councillor_page.get_by_role("button", name="Save and continue").click()
    summary = councillor_page.locator(".govuk-error-summary")
    summary.wait_for()
    assert f"Answer “{NEW_WORDING}”" in summary.inner_text()
    councillor_context.close()
