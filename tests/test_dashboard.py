"""The councillor's dashboard: start, continue, and the assessments submitted so far."""

import re

from django.urls import NoReverseMatch, reverse

from assessments.answering import assessment_start, assessment_submit
from assessments.models import Answer
from tests.answering_helpers import detail_url, error_summary_links
from tests.builders import answer_all


def dashboard(client) -> str:
    return client.get(reverse("assessments:dashboard")).content.decode()


def test_a_new_councillor_is_offered_to_start_an_assessment(signed_in, checklist):
    html = dashboard(signed_in)

    assert "Start a new assessment" in html
    # The start leads to "Before you start", whoever arrives here (an invitation lands here).
    assert f'href="{reverse("assessments:assessment_start")}"' in html
    assert "Continue" not in html


def test_the_draft_in_progress_continues_on_its_task_list_and_says_how_far_it_got(
    signed_in, checklist, councillor
):
    draft = assessment_start(owner=councillor, from_previous=False)
    html = dashboard(signed_in)
    assert f'href="{detail_url(draft)}"' in html
    assert "0 of 20 key actions answered, 0 of 4 areas completed." in html

    answer_all(draft, default="partly")
    Answer.objects.filter(assessment=draft).update(confirmed=False)  # as if pre-filled
    Answer.objects.filter(assessment=draft, question__area__code="climate").update(confirmed=True)
    Answer.objects.filter(assessment=draft, question__code="persist").update(confirmed=True)
    html = dashboard(signed_in)

    assert "Continue" in html
    assert "7 of 20 key actions answered, 1 of 4 areas completed." in html
    assert "Start a new assessment" not in html


def test_the_dashboard_runs_a_fixed_number_of_queries_with_a_draft(
    signed_in, checklist, councillor, django_assert_num_queries
):
    draft = assessment_start(owner=councillor, from_previous=False)
    answer_all(draft)

    # session, user, assessments, the draft's areas with counts, its reviews, groups
    with django_assert_num_queries(6):
        html = dashboard(signed_in)

    assert f'href="{detail_url(draft)}"' in html


def test_submitted_assessments_show_their_date_and_counts_per_area(
    signed_in, checklist, councillor
):
    draft = assessment_start(owner=councillor, from_previous=False)
    answer_all(draft, {"encourage-creativity": "not-yet", "celebrate-achievements": "partly"})
    submitted = assessment_submit(assessment=draft, revision=0)

    html = dashboard(signed_in)

    assert f"Submitted on {submitted.submitted_at:%-d %B %Y}" in html
    assert "4 Yes, 1 Partly, 1 Not yet" in html  # the climate area's six answers
    assert "5 Yes" in html
    try:
        link = reverse("assessments:report", args=[draft.pk])
    except NoReverseMatch:
        link = detail_url(draft)
    assert f'href="{link}"' in html
    # Starting again offers the choice of starting from these answers.
    assert f'href="{reverse("assessments:assessment_start")}"' in html


def test_starting_again_offers_last_answers_or_a_blank_checklist(signed_in, checklist, councillor):
    draft = assessment_start(owner=councillor, from_previous=False)
    answer_all(draft)
    assessment_submit(assessment=draft, revision=0)
    start_url = reverse("assessments:assessment_start")

    html = signed_in.get(start_url).content.decode()
    assert "Start from your last answers" in html
    assert "Start with a blank checklist" in html

    refused = signed_in.post(start_url, {})
    assert "Choose how you want to start your new assessment" in refused.content.decode()

    response = signed_in.post(start_url, {"start_from": "blank"})
    new = councillor.assessments.get(status="draft")
    assert response.url == detail_url(new)  # the task list
    assert not new.answers.exists()


def test_other_councillors_assessments_are_not_listed(signed_in, checklist, second_councillor):
    theirs = assessment_start(owner=second_councillor, from_previous=False)

    html = dashboard(signed_in)

    assert detail_url(theirs) not in html
    assert "Continue" not in html


def test_officers_see_a_link_to_invite_councillors(client, officer):
    client.force_login(officer)

    html = dashboard(client)

    assert f'href="{reverse("assessments:invite")}"' in html
    assert '<h1 class="govuk-heading-l">Councillors</h1>' in html  # the officers' dashboard


def test_the_start_choice_error_links_to_the_first_radio(signed_in, checklist, councillor):
    draft = assessment_start(owner=councillor, from_previous=False)
    answer_all(draft)
    assessment_submit(assessment=draft, revision=0)

    html = signed_in.post(reverse("assessments:assessment_start"), {}).content.decode()

    # crispy-forms-gds links to #id_<name>; our radios template gives the first radio that id.
    assert error_summary_links(html) == ["#id_start_from"]
    assert 'id="id_start_from" name="start_from"' in re.sub(r"\s+", " ", html)
