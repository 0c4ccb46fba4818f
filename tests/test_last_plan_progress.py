"""
"Progress on your last plan": the steps planned in the last assessment, how each went (the
`StepReview` rows recorded in this one), and carrying an unfinished one into the new plan.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import action_plan
from assessments.models import ActionStep, StepReview
from tests.builders import MIXED_ANSWERS, add_step, submit
from tests.test_races import Race, signed_in_client, status_codes, together  # noqa: F401

Outcome = StepReview.Outcome
LAST_YEAR = timezone.now() - datetime.timedelta(days=365)


def report_url(assessment):
    return reverse("assessments:report", args=[assessment.pk])


def carry_url(review):
    return reverse("assessments:action_step_carry_over", args=[review.assessment_id, review.pk])


def section(html: str) -> str:
    start = html.index('id="last-plan"')
    return html[start : html.index("</section>", start)]


def item(html: str, summary: str) -> str:
    """The list item of the last plan's step on the key action `summary`."""
    plan = section(html)
    return plan[plan.index(summary) :].split("</li>")[0]


@pytest.fixture
def last_plan(checklist, councillor):
    """Last year's assessment with four steps, and this year's with a review of each:
    devote-resources not done (still a gap), monitor-progress partly done (still a gap, and
    planned again on its own), take-calculated-risks not done (now Yes), select-priority-areas
    done."""
    earlier = submit(councillor, checklist, MIXED_ANSWERS, submitted_at=LAST_YEAR)
    steps = {
        "devote-resources": add_step(
            earlier,
            "devote-resources",
            what="Ask for a budget line",
            lead="Cabinet member for finance",
            due_date=datetime.date(2026, 3, 31),
            reported_to="Cabinet",
        ),
        "monitor-progress": add_step(earlier, "monitor-progress", what="Quarterly dashboard"),
        "take-calculated-risks": add_step(earlier, "take-calculated-risks", what="Risk appetite"),
        "select-priority-areas": add_step(earlier, "select-priority-areas", what="Pick three"),
    }
    later = submit(councillor, checklist, {**MIXED_ANSWERS, "take-calculated-risks": "yes"})
    add_step(later, "monitor-progress", what="A new dashboard of its own")
    outcomes = {
        "devote-resources": Outcome.NOT_DONE,
        "monitor-progress": Outcome.PARTLY_DONE,
        "take-calculated-risks": Outcome.NOT_DONE,
        "select-priority-areas": Outcome.DONE,
    }
    reviews = {
        code: StepReview.objects.create(assessment=later, step=steps[code], outcome=outcome)
        for code, outcome in outcomes.items()
    }
    return later, reviews


def test_the_report_shows_each_step_planned_last_time_with_its_date_and_outcome(
    client, councillor, last_plan
):
    later, _ = last_plan
    client.force_login(councillor)

    html = client.get(report_url(later)).content.decode()

    assert "Progress on your last plan" in html
    devote = item(html, "Devote sufficient time")
    assert "You planned: Ask for a budget line" in devote
    assert "Due 31 March 2026" in devote
    assert "Not done" in devote
    assert "Done" in item(html, "Select the priority areas")


def test_an_unfinished_step_on_a_gap_without_a_step_is_offered_to_carry_over(
    client, councillor, last_plan
):
    later, reviews = last_plan
    client.force_login(councillor)

    html = client.get(report_url(later)).content.decode()

    devote = item(html, "Devote sufficient time")
    assert f'action="{carry_url(reviews["devote-resources"])}"' in devote
    assert "Carry into your plan" in devote


def test_it_says_why_a_step_is_not_offered(client, councillor, last_plan):
    later, _ = last_plan
    client.force_login(councillor)

    html = client.get(report_url(later)).content.decode()

    risks = item(html, "Take vital, calculated risks")
    assert "Not offered: you now answer “Yes”." in risks
    assert "Carry into your plan" not in risks
    monitor = item(html, "Monitor progress closely")
    assert "already in your plan" in monitor
    assert "Carry into your plan" not in monitor
    done = item(html, "Select the priority areas")
    assert "Carry into your plan" not in done


def test_carrying_over_copies_the_step_without_its_date_and_makes_it_a_focus_action(
    client, councillor, last_plan
):
    later, reviews = last_plan
    old = reviews["devote-resources"].step
    client.force_login(councillor)

    response = client.post(carry_url(reviews["devote-resources"]))

    # On to the step's own page, to set a new date.
    assert response.status_code == 302
    assert response.url == reverse("assessments:action_step", args=[later.pk, "devote-resources"])
    step = ActionStep.objects.get(
        answer__assessment=later, answer__question__code="devote-resources"
    )
    assert (step.what, step.lead, step.reported_to) == (old.what, old.lead, old.reported_to)
    assert step.due_date is None
    assert step.carried_from == old
    assert step.is_focus
    html = client.get(report_url(later)).content.decode()
    assert "Carried into your plan." in item(html, "Devote sufficient time")
    plan = html[html.index('id="action-plan"') : html.index('id="last-plan"')]
    card = plan[plan.index('id="gap-devote-resources"') :].split("</li>")[0]
    assert "Carried over from the last plan." in card
    assert "By when:</strong> not given yet" in card


def test_carrying_over_twice_makes_one_step(client, councillor, last_plan):
    later, reviews = last_plan
    client.force_login(councillor)

    first = client.post(carry_url(reviews["devote-resources"]))
    second = client.post(carry_url(reviews["devote-resources"]))

    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert (
        ActionStep.objects.filter(answer__assessment=later, carried_from__isnull=False).count() == 1
    )


def test_the_service_is_idempotent(last_plan):
    _, reviews = last_plan

    first = action_plan.action_step_carry_over(review=reviews["devote-resources"])
    second = action_plan.action_step_carry_over(review=reviews["devote-resources"])

    assert first.pk == second.pk


def test_a_step_carried_into_a_full_plan_is_not_a_focus_action(last_plan):
    later, reviews = last_plan
    # The plan's own step on monitor-progress, and four more: five focus actions.
    ActionStep.objects.filter(answer__assessment=later).update(is_focus=True)
    for code in (
        "select-priority-areas",
        "involve-stakeholders",
        "space-to-test",
        "communicate-the-need",
    ):
        add_step(later, code, what=f"Focus on {code}", is_focus=True)

    step = action_plan.action_step_carry_over(review=reviews["devote-resources"])

    assert not step.is_focus
    assert ActionStep.objects.filter(answer__assessment=later, is_focus=True).count() == 5


@pytest.mark.parametrize(
    "code", ["take-calculated-risks", "monitor-progress", "select-priority-areas"]
)
def test_a_step_not_offered_is_refused_if_posted_anyway(client, councillor, last_plan, code):
    later, reviews = last_plan
    before = list(ActionStep.objects.filter(answer__assessment=later).values_list("pk", "what"))
    client.force_login(councillor)

    response = client.post(carry_url(reviews[code]), follow=True)

    assert response.status_code == 200
    assert "This step cannot be carried into your plan" in response.content.decode()
    after = list(ActionStep.objects.filter(answer__assessment=later).values_list("pk", "what"))
    assert after == before


def test_carrying_over_needs_a_post_and_the_csrf_token(councillor, last_plan):
    _, reviews = last_plan
    client = Client(enforce_csrf_checks=True)
    client.force_login(councillor)

    assert client.get(carry_url(reviews["devote-resources"])).status_code == 405
    assert client.post(carry_url(reviews["devote-resources"])).status_code == 403
    assert not ActionStep.objects.filter(carried_from__isnull=False).exists()


@pytest.mark.parametrize(
    "persona", ["second_councillor", "other_councillor", "officer", "other_officer", "admin_user"]
)
def test_nobody_else_can_carry_over_someone_elses_step(client, request, last_plan, persona):
    _, reviews = last_plan
    client.force_login(request.getfixturevalue(persona))

    assert client.post(carry_url(reviews["devote-resources"])).status_code == 404
    assert not ActionStep.objects.filter(carried_from__isnull=False).exists()


def test_a_review_reached_through_another_assessment_is_not_found(
    client, checklist, councillor, last_plan
):
    _, reviews = last_plan
    other = submit(councillor, checklist, MIXED_ANSWERS)
    client.force_login(councillor)

    url = reverse(
        "assessments:action_step_carry_over", args=[other.pk, reviews["devote-resources"].pk]
    )

    assert client.post(url).status_code == 404


def test_a_report_without_reviews_has_no_last_plan_section(client, councillor, submitted):
    client.force_login(councillor)

    assert "Progress on your last plan" not in client.get(report_url(submitted)).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_carry_overs_of_one_step_at_once_make_one_step_and_no_error(
    checklist,
    councillor,
    monkeypatch,
    together,  # noqa: F811
):
    earlier = submit(councillor, checklist, MIXED_ANSWERS, submitted_at=LAST_YEAR)
    old = add_step(earlier, "devote-resources", what="Ask for a budget line")
    later = submit(councillor, checklist, MIXED_ANSWERS)
    review = StepReview.objects.create(assessment=later, step=old, outcome=Outcome.NOT_DONE)
    # Both posts are held until both have found the review, just before the service.
    race = Race(
        monkeypatch, action_plan, "action_step_carry_over", together=together, when="before"
    )
    first, second = signed_in_client(councillor), signed_in_client(councillor)

    responses = race.run(*(lambda c=c: c.post(carry_url(review)) for c in (first, second)))

    assert status_codes(responses) == [302, 302], responses
    assert ActionStep.objects.filter(answer__assessment=later, carried_from=old).count() == 1
