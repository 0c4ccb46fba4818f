"""The task list, a draft's home, and "Before you start", which comes before anyone's first answer."""

import re

import pytest
from django.urls import reverse

from assessments.answering import assessment_start, assessment_submit
from assessments.models import Answer, Area, Question, StepReview
from tests.answering_helpers import area_url, check_url, detail_url, save_area
from tests.builders import add_step, answer_all, submit


def task_list(client, assessment) -> str:
    response = client.get(detail_url(assessment))
    assert response.status_code == 200
    return response.content.decode()


def tasks(html: str) -> dict[str, tuple[str, str]]:
    """Each task's name: (its status as shown, its link or "")."""
    found = {}
    for item in re.findall(r'<li class="govuk-task-list__item.*?</li>', html, re.S):
        link = re.search(r'href="([^"]*)"', item)
        name = re.search(r'(?:govuk-task-list__link"[^>]*>|<div>)([^<]+)<', item).group(1)
        status = re.search(r"govuk-task-list__status[^>]*>(.*?)</div>", item, re.S).group(1)
        found[name.strip()] = (
            re.sub(r"<[^>]+>", "", status).strip(),
            link.group(1) if link else "",
        )
    return found


# --- What the task list shows ----------------------------------------------------------------


def test_a_new_draft_lists_the_four_areas_not_started_then_check_and_submit_that_cannot_start(
    signed_in, draft
):
    html = task_list(signed_in, draft)

    assert 'class="govuk-task-list"' in html
    found = tasks(html)
    areas = Area.objects.filter(checklist=draft.checklist).order_by("order")
    assert list(found) == [area.title for area in areas] + [
        "Check your answers",
        "Submit assessment",
    ]
    for area in areas:
        assert found[area.title] == ("Not started", area_url(draft, area.code))
    assert found["Check your answers"] == ("Cannot start yet", "")
    assert found["Submit assessment"] == ("Cannot start yet", "")
    assert "0 of 6 answered" in html
    assert "Review your last plan" not in html


def test_an_area_is_in_progress_once_saved_and_completed_when_every_key_action_is_answered(
    signed_in, draft
):
    save_area(signed_in, draft, "climate", answers={"encourage-creativity": "yes"}, after="later")
    save_area(signed_in, draft, "leadership", default="not-sure")

    html = task_list(signed_in, draft)

    found = tasks(html)
    climate = Area.objects.get(checklist=draft.checklist, code="climate")
    leadership = Area.objects.get(checklist=draft.checklist, code="leadership")
    assert found[climate.title][0] == "In progress"
    assert found[leadership.title][0] == "Completed"
    assert "1 of 6 answered" in html
    assert "You have answered 6 of 20 key actions, and completed 1 of 4 areas." in html


def test_an_area_saved_with_nothing_answered_is_in_progress(signed_in, draft):
    save_area(signed_in, draft, "climate", after="later")

    found = tasks(task_list(signed_in, draft))

    assert found[Area.objects.get(checklist=draft.checklist, code="climate").title] == (
        "In progress",
        area_url(draft, "climate"),
    )


def test_answers_pre_filled_from_last_time_count_only_once_confirmed(
    signed_in, councillor, checklist
):
    submit(councillor, checklist)
    again = assessment_start(owner=councillor, from_previous=True)

    html = task_list(signed_in, again)
    assert set(status for status, _link in list(tasks(html).values())[:4]) == {"Not started"}
    assert "0 of 6 answered, 6 answers from last time to check" in html

    Answer.objects.filter(assessment=again, question__area__code="climate").update(confirmed=True)
    html = task_list(signed_in, again)
    climate = Area.objects.get(checklist=checklist, code="climate")
    assert tasks(html)[climate.title][0] == "Completed"
    assert "6 of 6 answered" in html and "0 of 5 answered, 5 answers from last time" in html


def test_check_your_answers_and_submit_open_once_every_area_is_completed(signed_in, draft):
    answer_all(draft)

    found = tasks(task_list(signed_in, draft))

    assert found["Check your answers"] == ("Not started", check_url(draft))
    assert found["Submit assessment"] == ("Not started", check_url(draft) + "#submit-assessment")


def test_a_draft_with_steps_to_review_lists_the_review_and_waits_for_it(
    signed_in, councillor, checklist
):
    last = submit(councillor, checklist, {"persist": "not-yet", "space-to-test": "partly"})
    add_step(last, "persist", what="Hold a quarterly review")
    add_step(last, "space-to-test", what="Set up a sandbox")
    again = assessment_start(owner=councillor, from_previous=False)
    answer_all(again)

    html = task_list(signed_in, again)
    found = tasks(html)
    assert found["Review your last plan"] == (
        "Not started",
        reverse("assessments:last_plan", args=[again.pk]),
    )
    assert "0 of 2 next steps reviewed" in html
    assert found["Check your answers"] == ("Cannot start yet", "")

    first = StepReview.objects.filter(assessment=again).first()
    StepReview.objects.filter(pk=first.pk).update(outcome=StepReview.Outcome.DONE)
    assert tasks(task_list(signed_in, again))["Review your last plan"][0] == "In progress"

    StepReview.objects.filter(assessment=again).update(outcome=StepReview.Outcome.NOT_DONE)
    found = tasks(task_list(signed_in, again))
    assert found["Review your last plan"][0] == "Completed"
    assert found["Check your answers"] == ("Not started", check_url(again))


def test_each_task_link_is_described_by_its_status(signed_in, draft):
    html = task_list(signed_in, draft)

    assert 'aria-describedby="area-climate-hint area-climate-status"' in html
    assert 'id="area-climate-status"' in html and 'id="area-climate-hint"' in html


def test_a_submitted_assessment_shows_its_read_only_answers_not_a_task_list(signed_in, draft):
    answer_all(draft)
    assessment_submit(assessment=draft, revision=draft.revision)

    html = task_list(signed_in, draft)

    assert "govuk-task-list" not in html
    assert "These are the answers you submitted" in html


@pytest.mark.parametrize("extra", [0, 3])
def test_the_task_list_runs_a_fixed_number_of_queries(
    signed_in, councillor, checklist, extra, django_assert_num_queries
):
    last = submit(councillor, checklist, default="partly")
    for code in ["persist", "space-to-test", "monitor-progress"][:extra]:
        add_step(last, code, what=f"Work on {code}")
    draft = assessment_start(owner=councillor, from_previous=True)
    area = Area.objects.get(checklist=checklist, code="climate")
    for n in range(extra * 5):
        Question.objects.create(area=area, code=f"extra-{n}", order=100 + n, summary="X", text="X?")

    # session, user, assessment, the areas with their counts, the reviews' counts
    with django_assert_num_queries(5):
        html = task_list(signed_in, draft)

    assert len(tasks(html)) == 6 + (1 if extra else 0)


# --- Who can see it ------------------------------------------------------------------------


def test_another_persons_task_list_is_not_found(client, draft, second_councillor, officer):
    for person in (second_councillor, officer):
        client.force_login(person)
        assert client.get(detail_url(draft)).status_code == 404


def test_the_task_list_asks_anonymous_people_to_sign_in(client, draft):
    response = client.get(detail_url(draft))

    assert response.status_code == 302
    assert response.url.startswith(reverse("assessments:sign_in"))


# --- Before you start ------------------------------------------------------------------------


def test_before_you_start_says_how_long_which_areas_how_saving_works_who_sees_what_and_foi(
    signed_in, checklist, settings
):
    settings.GROUP_MIN_RESPONSES = 3

    response = signed_in.get(reverse("assessments:assessment_start"))

    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Before you start</h1>' in html
    assert "about 10 minutes" in html
    for area in Area.objects.filter(checklist=checklist):
        assert f"<li>{area.title}</li>" in html
    assert "saved as you go, area by area" in html
    assert "private to you" in html
    assert "who was invited, who has started and who has submitted" in html
    assert "at least 3 members have submitted" in html
    assert "only if you choose to share it" in html
    assert "Freedom of Information Act" in html
    assert "How do you want to start?" not in html  # nothing submitted yet: no choice
    assert "Start your assessment" in html


def test_before_you_start_offers_the_start_choice_after_a_submitted_assessment(
    signed_in, councillor, checklist
):
    submit(councillor, checklist)

    html = signed_in.get(reverse("assessments:assessment_start")).content.decode()

    assert "Before you start" in html
    assert "Start from your last answers" in html and "Start with a blank checklist" in html


def test_starting_lands_on_the_task_list(signed_in, councillor, checklist):
    response = signed_in.post(reverse("assessments:assessment_start"))

    draft = councillor.assessments.get(status="draft")
    assert response.url == detail_url(draft)


def test_start_with_a_draft_in_progress_goes_to_its_task_list(signed_in, draft):
    for method in ("get", "post"):
        response = getattr(signed_in, method)(reverse("assessments:assessment_start"))
        assert response.url == detail_url(draft)


def test_the_public_start_page_leads_a_councillor_to_before_you_start(
    client, councillor, officer, checklist
):
    client.force_login(councillor)
    html = client.get(reverse("assessments:start")).content.decode()
    assert f'href="{reverse("assessments:assessment_start")}"' in html

    client.force_login(officer)
    html = client.get(reverse("assessments:start")).content.decode()
    assert f'href="{reverse("assessments:assessment_start")}"' not in html
    assert f'href="{reverse("assessments:dashboard")}" role="button"' in html
