"""
Every email in its recipient's language (#15): `User.language` as it is when the email is sent,
with links to that language's pages; in both languages, in one message, to a person whose
language is not yet known (Welsh first where the council is a Welsh council).

The Welsh comes from the real part catalogues, compiled into a temporary locale directory.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from assessments import groups, invitations, reminders
from assessments.models import User
from tests.email_helpers import send_invitation
from tests.welsh_helpers import welsh

SITE = "https://innovation.example.org"


@pytest.fixture(autouse=True)
def welsh_catalogue(settings):
    """The compiled service catalogue, checked current (tests/welsh_helpers.py)."""
    with welsh():
        pass
    settings.SITE_URL = SITE


def speaks(user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)


def welsh_date(value) -> str:
    with translation.override("cy"):
        return date_format(value, "j F Y")


def test_a_welsh_councillors_reminder_is_in_welsh_with_links_to_welsh_pages(
    council, councillor, officer, checklist, run_tasks
):
    speaks(councillor, "cy")
    assert reminders.completion_reminders_send(council=council, sent_by=officer) == 1
    run_tasks()

    [message] = mail.outbox
    assert (
        message.subject == "Nodyn atgoffa: dechreuwch eich asesiad Camau Allweddol ar gyfer Arloesi"
    )
    html = message.alternatives[0].content
    for body in (message.body, html):
        assert "Annwyl Alex Morgan," in body
        assert "Dear " not in body
        assert f"{SITE}/cy/dashboard/" in body
        assert f"{SITE}/dashboard/" not in body
        assert f"{SITE}/cy/account/email-reminders/" in body
    assert '<html lang="cy">' in html


def test_an_english_councillors_reminder_stays_in_english(
    council, councillor, officer, checklist, run_tasks
):
    reminders.completion_reminders_send(council=council, sent_by=officer)
    run_tasks()

    [message] = mail.outbox
    assert message.subject == "Reminder: start your Key Actions for Innovation assessment"
    assert "Dear Alex Morgan," in message.body
    assert "Annwyl" not in message.body
    assert f"{SITE}/dashboard/" in message.body
    assert '<html lang="en-GB">' in message.alternatives[0].content


def test_an_email_is_in_the_language_known_when_it_is_sent(
    council, councillor, officer, checklist, run_tasks
):
    reminders.completion_reminders_send(council=council, sent_by=officer)  # queued in English
    speaks(councillor, "cy")  # then they used the Welsh pages, before the worker sent it
    run_tasks()

    [message] = mail.outbox
    assert "Annwyl Alex Morgan," in message.body


def invite(council, officer):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    token = send_invitation(invitation)
    [message] = mail.outbox
    return message, token


def test_an_invitation_is_in_both_languages_english_first_for_an_english_council(council, officer):
    message, token = invite(council, officer)

    english, welsh = message.subject.split(" / ")
    assert english == "Northshire County Council: you are invited to use Key Actions for Innovation"
    assert welsh == (
        "Northshire County Council: rydych wedi cael gwahoddiad i ddefnyddio "
        "Camau Allweddol ar gyfer Arloesi"
    )
    html = message.alternatives[0].content
    for body in (message.body, html):
        assert body.index("Dear Nia Jones,") < body.index("Annwyl Nia Jones,")
        # One token, in a link to each language's page: the one that works.
        english_link = f"{SITE}/invitation/{token}/"
        welsh_link = f"{SITE}/cy/invitation/{token}/"
        assert body.index(english_link) < body.index("Annwyl") < body.index(welsh_link)
    assert '<html lang="en-GB">' in html
    assert html.index('<div lang="en-GB">') < html.index('<div lang="cy">')
    assert html.count("<html") == 1


def test_an_invitation_from_a_welsh_council_is_welsh_first(council, officer):
    council.welsh_first = True
    council.save()
    message, token = invite(council, officer)

    welsh, english = message.subject.split(" / ")
    assert welsh.startswith("Northshire County Council: rydych wedi cael gwahoddiad")
    assert english.startswith("Northshire County Council: you are invited")
    html = message.alternatives[0].content
    for body in (message.body, html):
        assert body.index("Annwyl Nia Jones,") < body.index("Dear Nia Jones,")
        assert body.index(f"{SITE}/cy/invitation/{token}/") < body.index("Dear")
    assert '<html lang="cy">' in html
    assert html.index('<div lang="cy">') < html.index('<div lang="en-GB">')


def test_the_invitation_link_in_either_language_sets_the_password(client, council, officer):
    message, token = invite(council, officer)
    welsh_link = f"/cy/invitation/{token}/"
    assert SITE + welsh_link in message.body
    password = "a long enough new password"
    response = client.post(welsh_link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    assert User.objects.get(email="nia@example.org").language == "cy"


def test_a_welsh_member_added_to_a_group_is_told_in_welsh(
    council, officer, councillor, checklist, run_tasks
):
    speaks(councillor, "cy")
    meeting = timezone.localdate() + timedelta(days=40)
    group = groups.group_create(
        council=council, name="Cabinet", facilitator=officer, meeting_date=meeting
    )
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()

    [message] = mail.outbox
    assert (
        message.subject == "Rydych wedi cael eich ychwanegu at Cabinet yn Northshire County Council"
    )
    assert f"Cyfarfod: {welsh_date(meeting)}" in message.body
    assert f"{SITE}/cy/dashboard/" in message.body
    assert "Dear" not in message.body


def test_a_group_reminder_to_a_welsh_member_is_in_welsh(
    council, officer, councillor, checklist, run_tasks
):
    speaks(councillor, "cy")
    answers_due = timezone.localdate() + timedelta(days=1)
    group = groups.group_create(
        council=council, name="Cabinet", facilitator=officer, answers_due=answers_due
    )
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()
    mail.outbox.clear()
    assert reminders.group_deadline_reminders_queue() == 1
    run_tasks()

    [message] = mail.outbox
    assert welsh_date(answers_due) in message.subject
    assert "Annwyl Alex Morgan," in message.body
    assert f"{SITE}/cy/dashboard/" in message.body


def test_a_person_whose_language_is_not_known_gets_both_languages_of_a_group_email(
    council, officer, councillor, checklist, run_tasks
):
    speaks(councillor, "")
    group = groups.group_create(council=council, name="Cabinet", facilitator=officer)
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()

    [message] = mail.outbox
    assert message.subject == (
        "You have been added to Cabinet at Northshire County Council"
        " / Rydych wedi cael eich ychwanegu at Cabinet yn Northshire County Council"
    )
    assert message.body.index(f"{SITE}/dashboard/") < message.body.index(f"{SITE}/cy/dashboard/")
