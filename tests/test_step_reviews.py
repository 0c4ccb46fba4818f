"""Reviews of the last plan: made when a new assessment starts, recorded on their own page, and
needed before submitting."""

import datetime

import pytest
from django.urls import reverse

from assessments.answering import (
    AssessmentIncomplete,
    StaleAssessment,
    assessment_review_steps,
    assessment_start,
    assessment_submit,
)
from assessments.models import Assessment, StepReview
from tests.answering_helpers import check_url, detail_url, error_summary_links, ids_on
from tests.builders import add_step, answer_all, submit


def last_plan_url(assessment) -> str:
    return reverse("assessments:last_plan", args=[assessment.pk])


def revision_of(assessment) -> int:
    return Assessment.objects.get(pk=assessment.pk).revision


@pytest.fixture
def last(councillor, checklist) -> Assessment:
    """The councillor's submitted assessment with two next steps, one with a due date."""
    last = submit(councillor, checklist, {"persist": "not-yet", "space-to-test": "partly"})
    add_step(last, "persist", what="Hold a quarterly review", due_date=datetime.date(2027, 3, 1))
    add_step(last, "space-to-test", what="Set up a sandbox")
    return last


@pytest.fixture
def again(councillor, last) -> Assessment:
    """A new draft, started after `last`, every question answered and confirmed."""
    draft = assessment_start(owner=councillor, from_previous=False)
    answer_all(draft)
    return draft


def reviews_of(assessment) -> tuple[StepReview, StepReview]:
    """The reviews of the "persist" step and the "space-to-test" (sandbox) step."""
    reviews = StepReview.objects.filter(assessment=assessment)
    return (
        reviews.get(step__answer__question__code="persist"),
        reviews.get(step__answer__question__code="space-to-test"),
    )


def outcomes(assessment) -> dict[str, str]:
    return {
        r.step.answer.question.code: r.outcome
        for r in StepReview.objects.filter(assessment=assessment).select_related(
            "step__answer__question"
        )
    }


# --- Made when a new assessment starts -------------------------------------------------------


@pytest.mark.parametrize("from_previous", [False, True])
def test_starting_makes_one_blank_review_per_step_of_the_last_submitted_assessment(
    councillor, checklist, last, from_previous
):
    older = submit(
        councillor,
        checklist,
        {"persist": "partly"},
        submitted_at=last.submitted_at.replace(year=2025),
    )
    add_step(older, "persist", what="An older plan")

    draft = assessment_start(owner=councillor, from_previous=from_previous)

    assert outcomes(draft) == {"persist": "", "space-to-test": ""}
    assert set(StepReview.objects.values_list("step__answer__assessment", flat=True)) == {last.pk}


def test_pressing_start_twice_makes_no_second_set_of_reviews(signed_in, councillor, last):
    signed_in.post(reverse("assessments:assessment_start"), {"start_from": "blank"})
    signed_in.post(reverse("assessments:assessment_start"), {"start_from": "previous"})

    assert Assessment.objects.filter(owner=councillor, status="draft").count() == 1
    assert StepReview.objects.count() == 2


def test_a_first_assessment_has_no_reviews(councillor, checklist):
    draft = assessment_start(owner=councillor, from_previous=False)

    assert not StepReview.objects.filter(assessment=draft).exists()


# --- The page ------------------------------------------------------------------------------


def test_each_step_is_a_fieldset_whose_legend_says_what_was_planned_by_when_and_for_what(
    signed_in, again
):
    html = signed_in.get(last_plan_url(again)).content.decode()

    assert (
        "You planned: Hold a quarterly review (by 1 March 2027), for "
        "“Persist, persist, persist”</h2></legend>"
    ) in html
    assert "You planned: Set up a sandbox, for “" in html
    assert html.count('<fieldset class="govuk-fieldset"') == 2
    for label in ("Done", "Partly done", "Not done", "No longer relevant"):
        assert html.count(f">{label}</label>") == 2


def test_save_and_continue_records_the_outcomes_and_returns_to_the_task_list(signed_in, again):
    persist, sandbox = reviews_of(again)

    response = signed_in.post(
        last_plan_url(again),
        {
            "revision": revision_of(again),
            f"review-{persist.pk}": "done",
            f"review-{sandbox.pk}": "not-relevant",
        },
    )

    assert response.url == detail_url(again)
    assert outcomes(again) == {"persist": "done", "space-to-test": "not-relevant"}
    assert revision_of(again) == 1


def test_save_and_continue_lists_the_steps_left_open_and_stays(signed_in, again):
    persist, sandbox = reviews_of(again)

    response = signed_in.post(
        last_plan_url(again), {"revision": revision_of(again), f"review-{persist.pk}": "partly"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Review your last plan" in html
    assert error_summary_links(html) == [f"#review-{sandbox.pk}"]
    assert f"review-{sandbox.pk}" in ids_on(html)
    assert "Say how “" in html and 'class="govuk-error-message"' in html
    assert outcomes(again)["persist"] == "partly"  # what was answered is saved
    assert 'name="revision" value="1"' in html  # so a second save works

    response = signed_in.post(
        last_plan_url(again),
        {"revision": 1, f"review-{persist.pk}": "partly", f"review-{sandbox.pk}": "done"},
    )
    assert response.url == detail_url(again)


def test_save_and_come_back_later_does_not_check_the_steps(signed_in, again):
    response = signed_in.post(
        last_plan_url(again), {"revision": revision_of(again), "after": "later"}, follow=True
    )

    assert response.redirect_chain[-1][0] == detail_url(again)
    assert "Your answers have been saved" in response.content.decode()
    assert revision_of(again) == 1


def test_a_review_opened_from_check_your_answers_goes_back_there(signed_in, again):
    html = signed_in.get(last_plan_url(again) + "?return=check").content.decode()
    assert '<input type="hidden" name="return" value="check">' in html
    assert f'href="{check_url(again)}" class="govuk-back-link"' in html

    data = {"revision": revision_of(again), "return": "check"}
    for review in StepReview.objects.filter(assessment=again):
        data[f"review-{review.pk}"] = "done"
    assert signed_in.post(last_plan_url(again), data).url == check_url(again)


def test_an_outcome_that_is_not_offered_is_refused(signed_in, again):
    review = StepReview.objects.filter(assessment=again).first()

    response = signed_in.post(
        last_plan_url(again), {"revision": revision_of(again), f"review-{review.pk}": "maybe"}
    )

    assert "Choose one of the outcomes shown for this step" in response.content.decode()
    assert revision_of(again) == 0


def test_another_persons_review_cannot_be_written_from_your_page(
    signed_in, again, second_councillor, checklist
):
    theirs_last = submit(second_councillor, checklist, {"persist": "not-yet"})
    add_step(theirs_last, "persist", what="Their plan")
    theirs = assessment_start(owner=second_councillor, from_previous=False)
    (their_review,) = StepReview.objects.filter(assessment=theirs)

    response = signed_in.post(
        last_plan_url(again), {"revision": revision_of(again), f"review-{their_review.pk}": "done"}
    )

    assert "not for the steps on this page, so nothing was saved" in response.content.decode()
    their_review.refresh_from_db()
    assert their_review.outcome == ""
    assert revision_of(again) == 0


def test_another_persons_last_plan_page_is_not_found(client, again, second_councillor, officer):
    for person in (second_councillor, officer):
        client.force_login(person)
        assert client.get(last_plan_url(again)).status_code == 404
        assert client.post(last_plan_url(again), {"revision": 0}).status_code == 404


def test_the_last_plan_asks_anonymous_people_to_sign_in(client, again):
    response = client.get(last_plan_url(again))

    assert response.url.startswith(reverse("assessments:sign_in"))


def test_a_draft_with_no_plan_to_review_has_no_last_plan_page(signed_in, draft):
    assert signed_in.get(last_plan_url(draft)).status_code == 404


def test_a_stale_page_does_not_overwrite_newer_outcomes(signed_in, again):
    review = StepReview.objects.filter(assessment=again).first()
    signed_in.post(last_plan_url(again), {"revision": 0, f"review-{review.pk}": "done"})

    response = signed_in.post(
        last_plan_url(again), {"revision": 0, f"review-{review.pk}": "not-done"}, follow=True
    )

    assert "changed in another tab or window" in response.content.decode()
    review.refresh_from_db()
    assert review.outcome == "done"


def test_a_submitted_assessments_last_plan_leads_to_the_read_only_page(signed_in, again):
    StepReview.objects.filter(assessment=again).update(outcome="done")
    assessment_submit(assessment=again, revision=again.revision)

    response = signed_in.post(last_plan_url(again), {"revision": 0})

    assert response.url == detail_url(again)


# --- The service -----------------------------------------------------------------------------


def test_the_service_refuses_a_stale_revision_and_writes_nothing(again):
    review = StepReview.objects.filter(assessment=again).first()

    with pytest.raises(StaleAssessment):
        assessment_review_steps(assessment=again, outcomes={review: "done"}, revision=5)

    review.refresh_from_db()
    assert review.outcome == ""


def test_the_service_refuses_a_review_of_another_assessment(again, second_councillor, checklist):
    theirs_last = submit(second_councillor, checklist, {"persist": "not-yet"})
    add_step(theirs_last, "persist", what="Their plan")
    theirs = assessment_start(owner=second_councillor, from_previous=False)
    (their_review,) = StepReview.objects.filter(assessment=theirs)

    with pytest.raises(ValueError):
        assessment_review_steps(assessment=again, outcomes={their_review: "done"}, revision=0)


def test_the_service_refuses_an_outcome_that_is_not_on_the_list(again):
    review = StepReview.objects.filter(assessment=again).first()

    with pytest.raises(ValueError):
        assessment_review_steps(assessment=again, outcomes={review: "maybe"}, revision=0)

    assert revision_of(again) == 0


# --- Submitting ------------------------------------------------------------------------------


def test_submitting_is_refused_while_a_step_has_no_outcome(again):
    StepReview.objects.filter(assessment=again, step__answer__question__code="persist").update(
        outcome="done"
    )

    with pytest.raises(AssessmentIncomplete) as refused:
        assessment_submit(assessment=again, revision=again.revision)

    assert [r.step.what for r in refused.value.open_reviews] == ["Set up a sandbox"]
    assert "Say how 1 more step of your last plan went" in str(refused.value)
    assert Assessment.objects.get(pk=again.pk).is_draft


def test_the_check_answers_error_summary_links_to_each_step_left_open(signed_in, again):
    response = signed_in.post(
        reverse("assessments:submit", args=[again.pk]), {"revision": revision_of(again)}
    )

    html = response.content.decode()
    reviews = StepReview.objects.filter(assessment=again)
    assert error_summary_links(html) == [
        f"{last_plan_url(again)}?return=check#review-{review.pk}" for review in reviews
    ]
    page = signed_in.get(last_plan_url(again) + "?return=check").content.decode()
    assert {f"review-{review.pk}" for review in reviews} <= ids_on(page)


def test_submitting_goes_ahead_once_every_step_has_an_outcome(signed_in, again):
    StepReview.objects.filter(assessment=again).update(outcome="not-done")

    response = signed_in.post(
        reverse("assessments:submit", args=[again.pk]), {"revision": revision_of(again)}
    )

    assert response.url == reverse("assessments:confirmation", args=[again.pk])


def test_check_your_answers_lists_the_reviews_with_change_links(signed_in, again):
    persist = StepReview.objects.get(assessment=again, step__answer__question__code="persist")
    persist.outcome = StepReview.Outcome.PARTLY_DONE
    persist.save()

    html = signed_in.get(check_url(again)).content.decode()

    assert "Your last plan" in html
    assert "Hold a quarterly review" in html and "Partly done" in html
    assert f'href="{last_plan_url(again)}?return=check#review-{persist.pk}">Change' in html
    assert "Not reviewed" in html  # the sandbox step


def test_check_your_answers_runs_a_fixed_number_of_queries_with_reviews(
    signed_in, again, django_assert_num_queries
):
    # session, user, assessment, answers with options, questions, areas with quotes, reviews
    with django_assert_num_queries(7):
        signed_in.get(check_url(again))


def test_the_last_plan_page_runs_a_fixed_number_of_queries(
    signed_in, again, django_assert_num_queries
):
    # session, user, assessment, the reviews with their steps and key actions
    with django_assert_num_queries(4):
        signed_in.get(last_plan_url(again))
