"""A councillor shares a submitted report with their council's officers, and can withdraw it."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import invitations
from assessments.models import Answer, Assessment, Invitation, Question, StepReview
from tests.builders import MIXED_ANSWERS, add_note, add_step, submit

SECRET_NOTE = "Private thought about the chief executive"
SECRET_STEP = "Quietly lobby the cabinet member"


@pytest.fixture
def submitted(councillor, checklist) -> Assessment:
    """A submitted assessment with a gap on "Persist", a private note and a private next step."""
    assessment = submit(councillor, checklist, {"persist": "not-yet"})
    add_note(assessment, "persist", SECRET_NOTE)
    add_step(assessment, "persist", what=SECRET_STEP)
    return assessment


def share_url(assessment) -> str:
    return reverse("assessments:share_report", args=[assessment.pk])


def withdraw_url(assessment) -> str:
    return reverse("assessments:withdraw_report", args=[assessment.pk])


def officer_url(assessment) -> str:
    return reverse("assessments:shared_report", args=[assessment.owner.council.slug, assessment.pk])


def officer_pdf_url(assessment) -> str:
    return reverse(
        "assessments:shared_report_pdf", args=[assessment.owner.council.slug, assessment.pk]
    )


def test_the_report_and_the_submitted_page_offer_to_share(client, councillor, submitted):
    client.force_login(councillor)

    for name in ("assessments:report", "assessments:assessment_detail"):
        page = client.get(reverse(name, args=[submitted.pk])).text
        assert share_url(submitted) in page
        assert "Only you can see this report" in page
        assert "Northshire County Council" in page


def test_sharing_says_so_and_returns_to_the_page_it_came_from(client, councillor, submitted):
    client.force_login(councillor)

    response = client.post(share_url(submitted), {"return_to": "assessment"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "assessments:assessment_detail", args=[submitted.pk]
    )
    assert "Your report is shared with the officers of Northshire County Council" in response.text
    assert withdraw_url(submitted) in response.text
    submitted.refresh_from_db()
    assert submitted.shared_at is not None


def test_sharing_twice_keeps_the_first_date(client, councillor, submitted):
    client.force_login(councillor)
    client.post(share_url(submitted))
    first = Assessment.objects.get(pk=submitted.pk).shared_at

    response = client.post(share_url(submitted))

    assert response.url == reverse("assessments:report", args=[submitted.pk])
    assert Assessment.objects.get(pk=submitted.pk).shared_at == first


def test_an_officer_of_the_council_reads_a_shared_report_without_edit_links(
    client, officer, submitted
):
    submitted.shared_at = timezone.now()
    submitted.save()
    client.force_login(officer)

    response = client.get(officer_url(submitted))

    assert response.status_code == 200
    page = response.text
    assert "Alex Morgan’s innovation gap report" in page
    assert SECRET_NOTE in page
    assert SECRET_STEP in page
    assert "/next-step/" not in page  # the owner's action-plan links are hidden
    assert share_url(submitted) not in page
    assert officer_pdf_url(submitted) in page


def test_the_shared_report_speaks_of_the_councillor_in_the_third_person(
    client, checklist, councillor, officer
):
    """Every part the officer's page shares with the owner's report: summary, action plan,
    gaps, things to find out, strengths, scores, progress and the last plan."""
    earlier = submit(
        councillor,
        checklist,
        {**MIXED_ANSWERS, "persist": "not-yet"},
        submitted_at=timezone.now() - datetime.timedelta(days=365),
    )
    old_step = add_step(earlier, "devote-resources", what="Ask for a budget line")
    later = submit(councillor, checklist, MIXED_ANSWERS, shared=True)
    add_note(later, "experiment-and-learn", "Ask the chief executive")
    add_step(later, "monitor-progress", what="Quarterly dashboard", is_focus=True)
    review = StepReview.objects.create(
        assessment=later, step=old_step, outcome=StepReview.Outcome.NOT_DONE
    )
    client.force_login(officer)

    page = client.get(officer_url(later)).text

    assert "Cllr Alex Morgan’s action plan" in page
    assert "They are fully taking 10 of the 20 key actions" in page
    assert "Their answer: Not yet" in page
    assert "Their note: Ask the chief executive" in page
    assert "Their strengths" in page
    assert "Their score in each area" in page
    assert "Since their last assessment" in page
    assert "Progress on their last plan" in page
    assert "They planned: Ask for a budget line" in page
    for owner_words in (
        "Your action plan",
        "Your answer:",
        "Your note:",
        "Your strengths",
        "You planned",
    ):
        assert owner_words not in page, owner_words
    # No buttons or links to change anything.
    assert "Carry into your plan" not in page
    assert reverse("assessments:action_step_carry_over", args=[later.pk, review.pk]) not in page
    assert "/next-step/" not in page
    assert "Add as a focus action" not in page
    assert "Remove from focus actions" not in page
    assert 'method="post"' not in page.split('class="app-report"')[1]


@pytest.mark.parametrize("extra_steps", [0, 4])
def test_the_shared_report_runs_a_fixed_number_of_queries(
    client, checklist, councillor, officer, django_assert_num_queries, extra_steps
):
    earlier = submit(
        councillor,
        checklist,
        default="partly",
        submitted_at=timezone.now() - datetime.timedelta(days=9),
    )
    later = submit(councillor, checklist, default="partly", shared=True)
    codes = list(Question.objects.filter(area__checklist=checklist).values_list("code", flat=True))
    for code in codes[: 1 + extra_steps]:
        old = add_step(earlier, code, what=f"Old step on {code}")
        StepReview.objects.create(
            assessment=later, step=old, outcome=StepReview.Outcome.PARTLY_DONE
        )
        add_step(later, code, what=f"Next step on {code}", is_focus=True)
    client.force_login(officer)
    client.get(reverse("assessments:start"))  # settle the session

    # Session, user, council, assessment; answers, areas, options, reviews, previous, its
    # answers: the same however many steps and reviews.
    with django_assert_num_queries(10):
        assert client.get(officer_url(later)).status_code == 200


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_an_officer_downloads_the_shared_report_as_a_pdf(client, officer, submitted):
    submitted.shared_at = timezone.now()
    submitted.save()
    client.force_login(officer)

    response = client.get(officer_pdf_url(submitted))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }


def test_the_officers_pdf_speaks_of_the_councillor_and_the_owners_of_you(
    client, officer, councillor, submitted
):
    submitted.shared_at = timezone.now()
    submitted.save()

    client.force_login(officer)
    officers = pdf_text(client.get(officer_pdf_url(submitted)).content)
    client.force_login(councillor)
    owners = pdf_text(client.get(reverse("assessments:report_pdf", args=[submitted.pk])).content)

    assert f"Cllr {councillor.full_name}’s action plan" in officers
    assert "Your action plan" not in officers
    assert "Your action plan" in owners


def test_the_officers_dashboard_links_to_shared_reports_only(
    client, officer, councillor, second_councillor, checklist
):
    shared = submit(councillor, checklist, shared=True)
    unshared = submit(second_councillor, checklist)
    client.force_login(officer)

    page = client.get(reverse("assessments:council_dashboard", args=["northshire"])).text

    assert officer_url(shared) in page
    assert officer_url(unshared) not in page
    assert "Report not shared" in page


def test_an_unshared_report_is_not_found_for_its_councils_officers(client, officer, submitted):
    client.force_login(officer)

    assert client.get(officer_url(submitted)).status_code == 404
    assert client.get(officer_pdf_url(submitted)).status_code == 404


def test_withdrawing_makes_the_report_not_found_for_officers_again(
    client, councillor, officer, submitted
):
    client.force_login(councillor)
    client.post(share_url(submitted))
    client.force_login(officer)
    assert client.get(officer_url(submitted)).status_code == 200

    client.force_login(councillor)
    response = client.post(withdraw_url(submitted), {"return_to": "report"}, follow=True)

    assert "Your report is no longer shared" in response.text
    assert Assessment.objects.get(pk=submitted.pk).shared_at is None
    client.force_login(officer)
    assert client.get(officer_url(submitted)).status_code == 404
    assert client.get(officer_pdf_url(submitted)).status_code == 404


@pytest.mark.parametrize("persona", ["other_officer", "admin_user", "second_councillor"])
def test_nobody_but_the_councils_officers_can_open_a_shared_report(
    client, submitted, persona, request
):
    submitted.shared_at = timezone.now()
    submitted.save()
    user = request.getfixturevalue(persona)
    client.force_login(user)

    expected = 403 if user.is_councillor and not user.is_staff else 404
    assert client.get(officer_url(submitted)).status_code == expected
    assert client.get(officer_pdf_url(submitted)).status_code == expected


def test_a_report_shared_in_one_council_cannot_be_reached_through_another(
    client, other_officer, submitted
):
    submitted.shared_at = timezone.now()
    submitted.save()
    client.force_login(other_officer)

    url = reverse("assessments:shared_report", args=["southvale", submitted.pk])

    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "persona", ["second_councillor", "other_councillor", "officer", "other_officer", "admin_user"]
)
def test_only_the_author_can_share_or_withdraw(client, submitted, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.post(share_url(submitted)).status_code == 404
    assert Assessment.objects.get(pk=submitted.pk).shared_at is None
    submitted.shared_at = timezone.now()
    submitted.save()
    assert client.post(withdraw_url(submitted)).status_code == 404
    assert Assessment.objects.get(pk=submitted.pk).shared_at is not None


def test_a_draft_cannot_be_shared(client, councillor, checklist):
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    client.force_login(councillor)

    assert client.post(share_url(draft)).status_code == 404
    assert Assessment.objects.get(pk=draft.pk).shared_at is None


def test_sharing_and_withdrawing_need_a_post(client, councillor, submitted):
    client.force_login(councillor)

    assert client.get(share_url(submitted)).status_code == 405
    assert client.get(withdraw_url(submitted)).status_code == 405


def test_a_councillor_without_a_council_is_told_there_is_nobody_to_share_with(
    client, councillor, submitted
):
    councillor.council = None
    councillor.save()
    client.force_login(councillor)

    response = client.post(share_url(submitted), follow=True)

    assert "not linked to a council" in response.text
    assert Assessment.objects.get(pk=submitted.pk).shared_at is None


# --- Privacy: what officers never see ------------------------------------------------------


def test_no_officer_page_shows_answers_that_were_not_shared(
    client, officer, admin_user, councillor, submitted, checklist
):
    officer_pages = [
        reverse("assessments:dashboard"),
        reverse("assessments:council_dashboard", args=["northshire"]),
        reverse("assessments:bulk_invite", args=["northshire"]),
        officer_url(submitted),
        officer_pdf_url(submitted),
    ]
    for user in (officer, admin_user):
        client.force_login(user)
        for url in officer_pages:
            response = client.get(url)
            body = response.content.decode(errors="replace")
            assert SECRET_NOTE not in body, url
            assert SECRET_STEP not in body, url
            assert "Your answer:" not in body, url

    # The national overview counts answers, never notes or next steps.
    client.force_login(admin_user)
    overview = client.get(reverse("assessments:national_overview")).text
    assert SECRET_NOTE not in overview
    assert SECRET_STEP not in overview


def test_a_shared_report_of_a_councillor_who_left_the_council_is_not_found(
    client, officer, councillor, submitted
):
    submitted.shared_at = timezone.now()
    submitted.save()
    url = officer_url(submitted)
    councillor.council = None
    councillor.save()
    client.force_login(officer)

    assert client.get(url).status_code == 404


def test_leaving_the_council_keeps_past_submitted_assessments_intact(client, councillor, submitted):
    answers_before = list(
        Answer.objects.filter(assessment=submitted).values_list("question_id", "option_id", "note")
    )
    councillor.council = None
    councillor.save()

    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.SUBMITTED
    assert submitted.owner == councillor
    assert (
        list(
            Answer.objects.filter(assessment=submitted).values_list(
                "question_id", "option_id", "note"
            )
        )
        == answers_before
    )
    client.force_login(councillor)
    assert SECRET_NOTE in client.get(reverse("assessments:report", args=[submitted.pk])).text


def test_revoking_an_invitation_keeps_past_submitted_assessments_intact(
    client, council, officer, checklist
):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    # Nia was invited, set up an account and submitted; an officer later sends her a new link
    # (as if she had been locked out) and then revokes it.
    assessment = submit(invitation.user, checklist, {"persist": "partly"})
    new = invitations.invitation_resend(invitation=invitation, invited_by=officer)
    invitations.invitation_revoke(invitation=new)

    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert Answer.objects.filter(assessment=assessment).count() == 20
    assert Answer.objects.get(assessment=assessment, question__code="persist").option.code == (
        "partly"
    )
    assert Invitation.objects.filter(user=invitation.user, revoked_at__isnull=False).count() == 2
