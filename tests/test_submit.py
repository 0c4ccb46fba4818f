"""Check your answers, submitting once, and the read-only submitted assessment."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from assessments.answering import (
    AssessmentIncomplete,
    StaleAssessment,
    assessment_start,
    assessment_submit,
)
from assessments.models import Answer, Assessment, CouncillorGroup, GroupMembership
from tests.answering_helpers import (
    area_codes,
    area_url,
    check_url,
    detail_url,
    error_summary_links,
    ids_on,
    save_area,
    submit_url,
)
from tests.builders import answer_all, new_checklist_version


def confirmation_url(assessment) -> str:
    return reverse("assessments:confirmation", args=[assessment.pk])


def current_revision(assessment) -> int:
    return Assessment.objects.get(pk=assessment.pk).revision


def test_check_your_answers_lists_all_20_questions_with_answers_notes_and_change_links(
    signed_in, draft
):
    for code in area_codes(draft.checklist):
        save_area(
            signed_in, draft, code, default="partly", notes={"celebrate-achievements": "Awards"}
        )

    html = signed_in.get(check_url(draft)).content.decode()

    assert html.count('class="govuk-summary-list__row"') == 20
    assert html.count("Partly") == 20
    assert "Awards" in html
    assert f'href="{area_url(draft, "climate")}?return=check#celebrate-achievements"' in html
    assert "Submit assessment" in html


def test_each_link_says_what_the_question_needs_answered_confirmed_or_changed(signed_in, draft):
    save_area(signed_in, draft, "climate", default="yes")
    Answer.objects.filter(assessment=draft, question__code="celebrate-achievements").update(
        confirmed=False
    )

    html = signed_in.get(check_url(draft)).content.decode()

    links = re.findall(r'#([a-z-]+)">(Answer|Change|Confirm)<', html)
    by_question = dict(links)
    assert by_question["encourage-creativity"] == "Change"
    assert by_question["celebrate-achievements"] == "Confirm"
    assert by_question["persist"] == "Answer"


def test_every_change_link_lands_on_its_question(signed_in, draft):
    html = signed_in.get(check_url(draft)).content.decode()

    links = re.findall(r'href="([^"]+#[^"]+)"', html)
    assert len(links) == 20
    pages = {}
    for link in links:
        path, anchor = link.split("#")
        pages.setdefault(path, signed_in.get(path).content.decode())
        assert anchor in ids_on(pages[path])


def test_submitting_with_questions_open_is_refused_with_a_linked_error_summary(signed_in, draft):
    save_area(signed_in, draft, "climate", default="yes")

    response = signed_in.post(submit_url(draft), {"revision": current_revision(draft)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Check your answers" in html
    links = error_summary_links(html)
    assert len(links) == 14
    assert "Answer “Do you" in html
    for link in links:  # each link jumps to its question on its area page
        path, anchor = link.split("#")
        assert anchor in ids_on(signed_in.get(path).content.decode())
    assert Assessment.objects.get(pk=draft.pk).is_draft


def test_pre_filled_answers_must_be_confirmed_before_submitting(signed_in, councillor, draft):
    answer_all(draft)
    assessment_submit(assessment=draft, revision=draft.revision)
    again = assessment_start(owner=councillor, from_previous=True)
    for code in area_codes(again.checklist)[:-1]:
        # The pre-filled answers arrive selected; saving the page confirms them.
        save_area(signed_in, again, code, default="yes")

    response = signed_in.post(submit_url(again), {"revision": current_revision(again)})

    html = response.content.decode()
    assert len(error_summary_links(html)) == 5
    assert "Confirm your answer to “" in html
    assert Assessment.objects.get(pk=again.pk).is_draft


def test_submitting_a_complete_assessment_makes_it_read_only(signed_in, draft):
    answer_all(draft)

    response = signed_in.post(submit_url(draft), {"revision": draft.revision}, follow=True)

    draft.refresh_from_db()
    assert draft.is_submitted and draft.submitted_at
    assert response.redirect_chain[-1][0] == confirmation_url(draft)
    assert "Assessment submitted" in response.content.decode()
    html = signed_in.get(detail_url(draft)).content.decode()
    assert "These are the answers you submitted" in html
    assert "Change" not in html
    # Its answering pages now lead to the read-only view.
    assert signed_in.get(area_url(draft, "climate")).url == detail_url(draft)
    assert signed_in.get(check_url(draft)).url == detail_url(draft)


def test_the_submitted_assessment_links_to_its_report(signed_in, draft):
    answer_all(draft)
    assessment_submit(assessment=draft, revision=draft.revision)

    html = signed_in.get(detail_url(draft)).content.decode()

    try:
        report_url = reverse("assessments:report", args=[draft.pk])
    except NoReverseMatch:  # the report is another issue; until it lands, no link
        assert "View report" not in html
    else:
        assert f'href="{report_url}"' in html
        assert "View report" in html


def test_double_clicking_submit_submits_once(signed_in, draft):
    answer_all(draft)
    data = {"revision": draft.revision}

    first = signed_in.post(submit_url(draft), data)
    submitted_at = Assessment.objects.get(pk=draft.pk).submitted_at
    second = signed_in.post(submit_url(draft), data)

    assert first.url == second.url == confirmation_url(draft)
    assessment = Assessment.objects.get(pk=draft.pk)
    assert assessment.submitted_at == submitted_at
    assert assessment.revision == draft.revision + 1


def test_the_service_submits_once_even_when_both_requests_loaded_the_draft(draft):
    answer_all(draft)
    first_copy = Assessment.objects.get(pk=draft.pk)
    second_copy = Assessment.objects.get(pk=draft.pk)

    assessment_submit(assessment=first_copy, revision=0)
    result = assessment_submit(assessment=second_copy, revision=0)

    assert result.is_submitted
    assert Assessment.objects.get(pk=draft.pk).revision == 1


def test_submitting_a_page_older_than_the_last_save_is_refused(signed_in, draft):
    answer_all(draft)
    stale_revision = draft.revision
    save_area(signed_in, draft, "climate", default="not-yet")  # in another tab

    response = signed_in.post(submit_url(draft), {"revision": stale_revision}, follow=True)

    assert "These answers were changed in another tab or window" in response.content.decode()
    assert Assessment.objects.get(pk=draft.pk).is_draft
    with pytest.raises(
        StaleAssessment, match="These answers were changed in another tab or window"
    ):
        assessment_submit(assessment=draft, revision=stale_revision)


def test_the_service_refuses_an_incomplete_assessment_and_names_the_questions(draft):
    with pytest.raises(AssessmentIncomplete) as refused:
        assessment_submit(assessment=draft, revision=draft.revision)

    assert len(refused.value.open_questions) == 20
    assert str(refused.value) == (
        "Answer or confirm 20 more questions before you submit your assessment."
    )
    assert refused.value.messages[0] == "Answer “Do you encourage creativity?”"
    assert Assessment.objects.get(pk=draft.pk).is_draft


def test_not_sure_counts_as_an_answer(draft):
    answer_all(draft, default="not-sure")

    assert assessment_submit(assessment=draft, revision=0).is_submitted


def test_check_your_answers_runs_a_fixed_number_of_queries(
    signed_in, draft, django_assert_num_queries
):
    answer_all(draft)

    # session, user, assessment, answers with options, questions, areas with quotes, reviews
    with django_assert_num_queries(7):
        signed_in.get(check_url(draft))


def test_starting_again_from_last_time_pre_fills_answers_as_unconfirmed(councillor, draft):
    answer_all(draft, {"encourage-creativity": "not-yet"})
    Answer.objects.filter(assessment=draft, question__code="celebrate-achievements").update(
        note="We hold an awards night."
    )
    assessment_submit(assessment=draft, revision=0)

    again = assessment_start(owner=councillor, from_previous=True)

    assert again.previous == draft
    copied = {a.question.code: a for a in again.answers.select_related("question", "option")}
    assert len(copied) == 20
    assert copied["encourage-creativity"].option.code == "not-yet"
    assert copied["celebrate-achievements"].note == "We hold an awards night."
    assert not any(a.confirmed for a in copied.values())
    assert assessment_start(owner=councillor, from_previous=False) == again  # one draft


def test_pre_filling_matches_questions_by_code_across_checklist_versions(councillor, draft):
    from assessments.models import ChecklistVersion, Question

    answer_all(draft, default="partly")
    assessment_submit(assessment=draft, revision=0)
    new_version = new_checklist_version(draft.checklist)
    Question.objects.filter(area__checklist=new_version, code="celebrate-achievements").delete()
    ChecklistVersion.objects.filter(pk=draft.checklist_id).update(status="retired")
    ChecklistVersion.objects.filter(pk=new_version.pk).update(status="published")

    again = assessment_start(owner=councillor, from_previous=True)

    assert again.checklist == new_version
    answers = again.answers.select_related("question__area", "option")
    assert answers.count() == 19
    assert {a.option.checklist_id for a in answers} == {new_version.pk}
    assert {a.question.area.checklist_id for a in answers} == {new_version.pk}


# --- The confirmation page -------------------------------------------------------------------


def test_the_confirmation_says_what_happens_next_and_links_the_report_and_its_pdf(signed_in, draft):
    answer_all(draft)
    response = signed_in.post(submit_url(draft), {"revision": draft.revision}, follow=True)

    html = response.content.decode()
    assert '<div class="govuk-panel govuk-panel--confirmation">' in html
    assert '<h1 class="govuk-panel__title">Assessment submitted</h1>' in html
    assert "What happens next" in html
    assert "Your report and action plan are ready" in html
    assert "pick up to 5 focus actions" in html
    assert "reminder when a next step is due soon" in html
    assert "not what you answered" in html
    assert f'href="{reverse("assessments:report", args=[draft.pk])}"' in html
    assert f'href="{reverse("assessments:report_pdf", args=[draft.pk])}"' in html
    # The share form, as on the report, and the way back to the answers submitted.
    assert f'action="{reverse("assessments:share_report", args=[draft.pk])}"' in html
    assert f'href="{detail_url(draft)}"' in html


def test_the_confirmation_offers_to_link_the_assessment_to_an_open_group_only(
    signed_in, councillor, officer, checklist, draft
):
    open_group = CouncillorGroup.objects.create(
        council=councillor.council, name="Cabinet", checklist=checklist, facilitator=officer
    )
    closed = CouncillorGroup.objects.create(
        council=councillor.council,
        name="Old scrutiny panel",
        checklist=checklist,
        facilitator=officer,
        status=CouncillorGroup.Status.CLOSED,
    )
    for group in (open_group, closed):
        GroupMembership.objects.create(group=group, user=councillor)
    answer_all(draft)
    assessment_submit(assessment=draft, revision=draft.revision)

    html = signed_in.get(confirmation_url(draft)).content.decode()

    assert f'action="{reverse("assessments:group_link", args=[open_group.pk])}"' in html
    assert "Link it to Cabinet" in html
    assert reverse("assessments:group_link", args=[closed.pk]) not in html

    response = signed_in.post(
        reverse("assessments:group_link", args=[open_group.pk]), {"assessment": draft.pk}
    )
    assert response.status_code == 302
    assert Assessment.objects.get(pk=draft.pk).group == open_group
    # Once linked, it is not offered again.
    assert "Link it to Cabinet" not in signed_in.get(confirmation_url(draft)).content.decode()


def test_a_draft_has_no_confirmation_yet(signed_in, draft):
    assert signed_in.get(confirmation_url(draft)).url == detail_url(draft)


def test_another_persons_confirmation_is_not_found(client, draft, second_councillor, officer):
    answer_all(draft)
    assessment_submit(assessment=draft, revision=draft.revision)
    for person in (second_councillor, officer):
        client.force_login(person)
        assert client.get(confirmation_url(draft)).status_code == 404
    client.logout()
    assert client.get(confirmation_url(draft)).url.startswith(reverse("assessments:sign_in"))
