"""Your data: downloading everything held about you, and deleting your account."""

import datetime
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import (
    Assessment,
    CouncillorGroup,
    GroupAgreement,
    GroupMembership,
    Invitation,
    Question,
    User,
)
from tests.builders import MIXED_ANSWERS, PASSWORD, add_note, add_step, answer_all, submit

PRIVATE_NOTE = "Only I know about the budget row with the chief executive"

YOUR_DATA = reverse("assessments:your_data")
DOWNLOAD = reverse("assessments:your_data_download")
DELETE = reverse("assessments:delete_account")


@pytest.fixture
def submitted(submitted):
    """The councillor's submitted assessment, a month old, with a private note and a next step."""
    submitted.submitted_at = timezone.now() - datetime.timedelta(days=30)
    submitted.save(update_fields=["submitted_at"])
    add_note(submitted, "devote-resources", PRIVATE_NOTE)
    add_step(
        submitted,
        "devote-resources",
        what="Ask for a small innovation fund",
        lead="Cabinet member for resources",
        due_date=datetime.date(2027, 3, 31),
        reported_to="Cabinet",
    )
    return submitted


@pytest.fixture
def draft(draft):
    """The councillor's draft, every question answered Partly."""
    answer_all(draft, default="partly")
    return draft


@pytest.fixture
def cabinet(council, checklist, councillor, officer):
    group = CouncillorGroup.objects.create(
        council=council, name="Cabinet", checklist=checklist, facilitator=officer
    )
    GroupMembership.objects.create(group=group, user=councillor)
    return group


def download(client):
    response = client.post(DOWNLOAD)
    assert response.status_code == 200
    return response, zipfile.ZipFile(io.BytesIO(response.content))


# --- The page ------------------------------------------------------------------------------


def test_the_page_says_what_the_download_holds(client, councillor, submitted):
    client.force_login(councillor)

    response = client.get(YOUR_DATA)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Download your data" in html
    assert "data.json" in html
    assert "the PDF of each report you have submitted (1 in all)" in html
    assert f'action="{DOWNLOAD}"' in html
    assert f'href="{DELETE}"' in html


def test_signed_in_pages_link_to_your_data_in_the_footer(client, councillor):
    signed_out = client.get(reverse("assessments:start")).content.decode()
    client.force_login(councillor)

    signed_in = client.get(reverse("assessments:dashboard")).content.decode()

    assert f'href="{YOUR_DATA}"' in signed_in
    assert f'href="{YOUR_DATA}"' not in signed_out


@pytest.mark.parametrize("url", [YOUR_DATA, DELETE])
def test_signed_out_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("assessments:sign_in"))


def test_a_signed_out_post_downloads_nothing(client, submitted):
    response = client.post(DOWNLOAD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("assessments:sign_in"))


# --- The download --------------------------------------------------------------------------


def test_the_download_is_a_zip_of_data_json_and_every_submitted_report(
    client, councillor, submitted, draft, cabinet
):
    client.force_login(councillor)

    response, archive = download(client)

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="your-data-')
    names = archive.namelist()
    assert names[0] == "data.json"
    pdfs = [name for name in names if name.endswith(".pdf")]
    assert pdfs == [
        f"reports/{submitted.pk}-innovation-gap-report-alex-morgan-"
        + (f"{timezone.localdate(submitted.submitted_at):%Y-%m-%d}.pdf")
    ]
    text = "".join(page.extract_text() for page in PdfReader(archive.open(pdfs[0])).pages)
    assert "Alex Morgan" in text


def test_data_json_holds_the_account_every_assessment_answer_note_and_step(
    client, councillor, submitted, draft, cabinet
):
    submitted.shared_at = timezone.now()
    submitted.save(update_fields=["shared_at"])
    client.force_login(councillor)

    _, archive = download(client)
    data = json.loads(archive.read("data.json"))

    assert data["account"]["email"] == "alex.councillor@example.org"
    assert data["account"]["full_name"] == "Alex Morgan"
    assert data["account"]["council"] == "Northshire County Council"
    assert data["account"]["role"] == "Councillor"
    assert data["account"]["language"] == "English"  # the language their emails are in
    assert [m["group"] for m in data["group_memberships"]] == ["Cabinet"]

    by_id = {a["id"]: a for a in data["assessments"]}
    assert set(by_id) == {submitted.pk, draft.pk}
    question_count = Question.objects.filter(area__checklist=submitted.checklist).count()
    assert len(by_id[submitted.pk]["answers"]) == question_count
    assert len(by_id[draft.pk]["answers"]) == question_count
    assert by_id[submitted.pk]["status"] == "Submitted"
    assert by_id[submitted.pk]["shared_with_officers"] is True
    assert by_id[draft.pk]["shared_with_officers"] is False

    answers = {a["question_code"]: a for a in by_id[submitted.pk]["answers"]}
    resources = answers["devote-resources"]
    question = Question.objects.get(area__checklist=submitted.checklist, code="devote-resources")
    assert resources["question"] == question.text
    assert resources["answer_code"] == MIXED_ANSWERS["devote-resources"]
    assert resources["answer"]  # the label, as the councillor saw it
    assert resources["note"] == PRIVATE_NOTE
    assert resources["action_step"] == {
        "what": "Ask for a small innovation fund",
        "lead": "Cabinet member for resources",
        "due_date": "2027-03-31",
        "reported_to": "Cabinet",
        "updated_at": resources["action_step"]["updated_at"],
    }
    assert answers["encourage-creativity"]["action_step"] is None


def test_the_download_holds_only_your_own_data(
    client, councillor, second_councillor, submitted, checklist
):
    theirs = submit(second_councillor, checklist, {"devote-resources": "not-yet"})
    add_note(theirs, "devote-resources", "Somebody else's note")
    client.force_login(councillor)

    _, archive = download(client)

    assert [a["id"] for a in json.loads(archive.read("data.json"))["assessments"]] == [submitted.pk]
    assert b"Somebody else" not in archive.read("data.json")
    reports = [name for name in archive.namelist() if name.startswith("reports/")]
    assert len(reports) == 1
    assert reports[0].startswith(f"reports/{submitted.pk}-")


def test_the_download_is_never_cached_and_is_logged_without_notes(
    client, councillor, submitted, caplog
):
    client.force_login(councillor)

    with caplog.at_level("INFO", logger="security"):
        response, _ = download(client)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    events = [r.getMessage() for r in caplog.records if r.name == "security"]
    assert any("event=export" in e and "kind=account_data" in e for e in events)
    assert not any(PRIVATE_NOTE in r.getMessage() for r in caplog.records)


def test_download_refuses_get(client, councillor):
    client.force_login(councillor)

    assert client.get(DOWNLOAD).status_code == 405


def test_an_officer_can_download_their_own_data(client, officer, cabinet):
    client.force_login(officer)

    _, archive = download(client)

    data = json.loads(archive.read("data.json"))
    assert data["account"]["role"] == "Officer"
    assert data["assessments"] == []


# --- Deleting the account ------------------------------------------------------------------


def test_the_confirmation_page_explains_and_asks_for_the_password(client, councillor):
    client.force_login(councillor)

    response = client.get(DELETE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "stop counting in any group’s figures" in html
    assert 'type="password"' in html
    assert "Delete your account and answers" in html
    assert "no-store" in response["Cache-Control"]
    assert User.objects.filter(pk=councillor.pk).exists()


def test_a_wrong_password_deletes_nothing(client, councillor, submitted):
    client.force_login(councillor)

    response = client.post(DELETE, {"password": "not my password"})

    assert response.status_code == 200
    assert "Your password is not correct" in response.content.decode()
    assert User.objects.filter(pk=councillor.pk).exists()
    assert Assessment.objects.filter(pk=submitted.pk).exists()


def test_an_empty_password_deletes_nothing(client, councillor):
    client.force_login(councillor)

    response = client.post(DELETE, {})

    assert "Enter your password to confirm" in response.content.decode()
    assert User.objects.filter(pk=councillor.pk).exists()


def test_deleting_removes_the_account_its_assessments_and_memberships_and_signs_out(
    client, councillor, submitted, draft, cabinet, caplog
):
    client.force_login(councillor)

    with caplog.at_level("INFO", logger="security"):
        response = client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("assessments:start")
    assert "Your account and your answers have been deleted" in response.content.decode()
    assert not User.objects.filter(pk=councillor.pk).exists()
    assert not Assessment.objects.filter(pk__in=[submitted.pk, draft.pk]).exists()
    assert not GroupMembership.objects.filter(group=cabinet).exists()
    assert CouncillorGroup.objects.filter(pk=cabinet.pk).exists()
    # Signed out: the dashboard asks for sign-in again.
    assert client.get(reverse("assessments:dashboard")).status_code == 302
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "event=account_deleted" in messages
    assert PASSWORD not in messages


def test_deleting_an_officer_keeps_what_they_did_for_the_council_unattributed(
    client, officer, councillor, cabinet, checklist
):
    invitation = Invitation.objects.create(
        user=councillor,
        invited_by=officer,
        token_hash="a" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    question = Question.objects.filter(area__checklist=checklist).first()
    agreement = GroupAgreement.objects.create(
        group=cabinet, question=question, note="Agreed", updated_by=officer
    )
    client.force_login(officer)

    client.post(DELETE, {"password": PASSWORD})

    assert not User.objects.filter(pk=officer.pk).exists()
    invitation.refresh_from_db()
    cabinet.refresh_from_db()
    agreement.refresh_from_db()
    assert invitation.invited_by is None
    assert cabinet.facilitator is None
    assert agreement.updated_by is None
    assert User.objects.filter(pk=councillor.pk).exists()


def test_deleting_copes_with_assessments_prefilled_from_one_another(client, councillor, checklist):
    # A draft pre-filled from a submitted assessment points at it through `previous`.
    first = submit(councillor, checklist, submitted_at=timezone.now() - datetime.timedelta(1))
    Assessment.objects.create(owner=councillor, checklist=checklist, previous=first)
    client.force_login(councillor)

    client.post(DELETE, {"password": PASSWORD})

    assert not Assessment.objects.filter(owner_id=councillor.pk).exists()


def test_admins_cannot_delete_their_own_account_here(client, admin_user):
    client.force_login(admin_user)

    page = client.get(YOUR_DATA).content.decode()
    response = client.post(DELETE, {"password": PASSWORD})

    assert f'href="{DELETE}"' not in page
    assert response.status_code == 403
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_deleting_needs_csrf(councillor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(councillor)

    response = client.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 403
    assert User.objects.filter(pk=councillor.pk).exists()


def test_the_download_lists_the_emails_sent_to_you_without_their_content(councillor):
    from assessments.data_rights import account_data
    from assessments.models import Email

    Email.objects.create(
        purpose=Email.Purpose.PASSWORD_RESET,
        user=councillor,
        key="password_reset:x",
        state=Email.State.SENT,
        sent_at=timezone.now(),
    )

    (email,) = account_data(councillor)["emails_sent"]

    assert email["purpose"] == "Password reset"
    assert email["state"] == "Sent"
    assert set(email) == {"purpose", "state", "created_at", "sent_at", "delivery"}
