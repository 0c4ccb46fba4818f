"""The action plan: a next step for each gap, recorded after submission."""

import datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionStep, Answer, Assessment
from tests.builders import MIXED_ANSWERS, add_step, answer_all

FUTURE = timezone.localdate() + datetime.timedelta(days=60)


def step_url(assessment, code="devote-resources"):
    return reverse("assessments:action_step", args=[assessment.pk, code])


def seen_on(page) -> str:
    """The version of the step a rendered page carries, as a browser sends it back."""
    return page.context["form"]["seen"].value()


def valid_data(**overrides):
    data = {
        "what": "Ask for a budget line for the priority innovations",
        "lead": "Cabinet member for resources",
        "due_date_0": str(FUTURE.day),
        "due_date_1": str(FUTURE.month),
        "due_date_2": str(FUTURE.year),
        "reported_to": "Cabinet",
    }
    return {**data, **overrides}


def test_the_owner_adds_a_next_step_to_a_gap(client, councillor, submitted):
    client.force_login(councillor)

    page = client.get(step_url(submitted))
    assert page.status_code == 200
    assert "Add your next step" in page.content.decode()

    response = client.post(step_url(submitted), valid_data())

    report_url = reverse("assessments:report", args=[submitted.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{report_url}#gap-devote-resources"
    step = ActionStep.objects.get(answer__assessment=submitted)
    assert step.answer.question.code == "devote-resources"
    assert step.what == "Ask for a budget line for the priority innovations"
    assert step.lead == "Cabinet member for resources"
    assert step.due_date == FUTURE
    assert step.reported_to == "Cabinet"


def test_the_owner_changes_a_next_step(client, councillor, submitted):
    add_step(submitted, "devote-resources", what="Old plan")
    client.force_login(councillor)

    page = client.get(step_url(submitted))
    assert "Change your next step" in page.content.decode()
    client.post(step_url(submitted), valid_data(what="New plan", seen=seen_on(page)))

    assert ActionStep.objects.get(answer__assessment=submitted).what == "New plan"


def test_only_what_is_required(client, councillor, submitted):
    client.force_login(councillor)

    response = client.post(
        step_url(submitted),
        valid_data(lead="", due_date_0="", due_date_1="", due_date_2="", reported_to=""),
    )

    assert response.status_code == 302
    step = ActionStep.objects.get(answer__assessment=submitted)
    assert (step.lead, step.due_date, step.reported_to) == ("", None, "")


def test_the_answers_stay_read_only(client, councillor, submitted):
    client.force_login(councillor)
    answer = Answer.objects.get(assessment=submitted, question__code="devote-resources")

    client.post(step_url(submitted), valid_data(option="yes", note="Changed my mind"))

    answer.refresh_from_db()
    assert answer.option.code == "not-yet"
    assert answer.note == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"what": ""}, "Enter what you will do"),
        ({"what": "x" * 1001}, "What you will do must be 1000 characters or fewer"),
        ({"lead": "x" * 10_000}, "Who leads it must be 200 characters or fewer"),
        (
            {"reported_to": "x" * 201},
            "Where progress will be reported must be 200 characters or fewer",
        ),
        ({"due_date_0": "31", "due_date_1": "2", "due_date_2": "2031"}, "Enter a real date"),
        ({"due_date_0": "next", "due_date_1": "week", "due_date_2": "!"}, "using numbers only"),
        (
            {"due_date_0": "1", "due_date_1": "", "due_date_2": "2031"},
            "The date must include a month",
        ),
        (
            {"due_date_0": "", "due_date_1": "", "due_date_2": "20"},
            "The date must include a day and month",
        ),
        ({"due_date_0": "1", "due_date_1": "4", "due_date_2": "31"}, "Enter the year as 4 numbers"),
        ({"due_date_0": "1", "due_date_1": "1", "due_date_2": "2020"}, "today or in the future"),
    ],
    ids=[
        "what missing",
        "what too long",
        "10,000-character owner",
        "reported to too long",
        "not a real date",
        "not a date",
        "incomplete date",
        "day and month missing, in one message",
        "two-digit year",
        "past date",
    ],
)
def test_bad_input_gives_a_clear_error_and_saves_nothing(
    client, councillor, submitted, overrides, message
):
    client.force_login(councillor)

    response = client.post(step_url(submitted), valid_data(**overrides))

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert "govuk-error-summary" in html
    assert not ActionStep.objects.exists()


def test_a_step_with_a_date_now_past_can_still_be_changed(client, councillor, submitted):
    """Only a date being changed must not be in the past: last month's plan can be updated."""
    last_month = timezone.localdate() - datetime.timedelta(days=30)
    add_step(submitted, "devote-resources", what="Old plan", due_date=last_month)
    client.force_login(councillor)
    page = client.get(step_url(submitted))

    response = client.post(
        step_url(submitted),
        valid_data(
            seen=seen_on(page),
            what="Old plan, half done",
            due_date_0=str(last_month.day),
            due_date_1=str(last_month.month),
            due_date_2=str(last_month.year),
        ),
    )

    assert response.status_code == 302
    assert ActionStep.objects.get().what == "Old plan, half done"


@pytest.mark.parametrize("code", ["encourage-creativity", "experiment-and-learn", "no-such-code"])
def test_next_steps_are_only_for_gaps(client, councillor, submitted, code):
    """A Yes (a strength) and a Not sure have no next step here; nor does an unknown question."""
    client.force_login(councillor)

    assert client.get(step_url(submitted, code)).status_code == 404
    assert client.post(step_url(submitted, code), valid_data()).status_code == 404
    assert not ActionStep.objects.exists()


@pytest.mark.parametrize(
    "persona", ["second_councillor", "other_councillor", "officer", "other_officer", "admin_user"]
)
def test_nobody_else_can_plan_on_someone_elses_gap(client, request, submitted, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(step_url(submitted)).status_code == 404
    assert client.post(step_url(submitted), valid_data()).status_code == 404
    assert not ActionStep.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, submitted):
    response = client.post(step_url(submitted), valid_data())

    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert not ActionStep.objects.exists()


def test_a_draft_has_no_action_plan_yet(client, checklist, councillor):
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    answer_all(draft, MIXED_ANSWERS)
    client.force_login(councillor)

    assert client.post(step_url(draft), valid_data()).status_code == 404
    assert not ActionStep.objects.exists()


def test_the_report_shows_the_saved_step(client, councillor, submitted):
    client.force_login(councillor)
    client.post(step_url(submitted), valid_data(what="Put it on the cabinet forward plan"))

    report = client.get(reverse("assessments:report", args=[submitted.pk]))

    html = report.content.decode()
    assert "Put it on the cabinet forward plan" in html
    assert FUTURE.strftime("%-d %B %Y") in html


# --- Two tabs ------------------------------------------------------------------------------

STALE = "This next step was changed in another tab or window"


def test_a_step_changed_in_another_tab_is_not_overwritten_by_the_older_copy(
    client, councillor, submitted
):
    add_step(submitted, "devote-resources", what="Old plan")
    client.force_login(councillor)
    first_tab = client.get(step_url(submitted))
    second_tab = client.get(step_url(submitted))

    first = client.post(step_url(submitted), valid_data(what="First tab", seen=seen_on(first_tab)))
    second = client.post(
        step_url(submitted), valid_data(what="Second tab", seen=seen_on(second_tab)), follow=True
    )

    assert first.status_code == 302
    assert second.redirect_chain == [(step_url(submitted), 302)]
    html = second.content.decode()
    assert STALE in html
    # The page shows what is saved now, carrying its new version.
    assert "First tab" in html and "Second tab" not in html
    assert ActionStep.objects.get().what == "First tab"
    assert seen_on(second) != seen_on(second_tab)


def test_two_tabs_adding_the_same_new_step_keep_the_first_and_tell_the_second(
    client, councillor, submitted
):
    client.force_login(councillor)
    first_tab = client.get(step_url(submitted))
    second_tab = client.get(step_url(submitted))
    assert "Add your next step" in first_tab.content.decode()

    client.post(step_url(submitted), valid_data(what="First tab", seen=seen_on(first_tab)))
    second = client.post(
        step_url(submitted), valid_data(what="Second tab", seen=seen_on(second_tab)), follow=True
    )

    assert STALE in second.content.decode()
    assert "Change your next step" in second.content.decode()
    assert list(ActionStep.objects.values_list("what", flat=True)) == ["First tab"]


def test_the_page_saved_again_after_the_warning_goes_through(client, councillor, submitted):
    add_step(submitted, "devote-resources", what="Old plan")
    client.force_login(councillor)
    stale = seen_on(client.get(step_url(submitted)))
    client.post(step_url(submitted), valid_data(what="First tab", seen=stale))
    shown_again = client.post(
        step_url(submitted), valid_data(what="Second tab", seen=stale), follow=True
    )

    client.post(step_url(submitted), valid_data(what="Second tab", seen=seen_on(shown_again)))

    assert ActionStep.objects.get().what == "Second tab"


def test_a_tampered_version_saves_nothing_and_says_so(client, councillor, submitted):
    add_step(submitted, "devote-resources", what="Old plan")
    client.force_login(councillor)

    response = client.post(step_url(submitted), valid_data(what="New plan", seen="yesterday"))

    assert response.status_code == 200
    assert "Something went wrong with this page, so nothing was saved" in response.content.decode()
    assert ActionStep.objects.get().what == "Old plan"
