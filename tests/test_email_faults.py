"""
A mail outage loses nothing and tells the officer the truth; a bad line of a list is a bad line.

Mail goes to real SMTP servers on loopback: a port nobody listens on (the server is down), and
an `aiosmtpd` server in this process that accepts, or refuses some recipients. Nothing of ours
is mocked. The database tests run on whichever database DATABASE_URL names (SQLite by default;
run them with a PostgreSQL DATABASE_URL as well).
"""

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.urls import reverse

from assessments import invitations
from assessments.forms.accounts import InvitationForm
from assessments.models import Invitation, User

EmailState = Invitation.EmailState


def _free_port() -> int:
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _use_smtp(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }


@dataclass
class Inbox:
    """An aiosmtpd handler: keeps what it accepts, refuses the recipients in `refuse`."""

    refuse: set[str] = field(default_factory=set)
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.SMTP))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return [message["To"] for message in self.messages]

    def link_in(self, message: email.message.EmailMessage) -> str:
        text = message.get_body(("plain",)).get_content()
        prefix = reverse("assessments:accept_invitation", kwargs={"token": "TOKEN"}).split("TOKEN")
        return re.search(re.escape(prefix[0]) + r"[^/\s]+/", text).group(0)


@pytest.fixture
def mail_server_down(settings) -> None:
    _use_smtp(settings, _free_port())


@pytest.fixture
def smtp_inbox(settings) -> Iterator[Inbox]:
    """A working SMTP server on loopback; the mailer points at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _use_smtp(settings, port)
    yield inbox
    controller.stop()


def _invite(client, name: str, address: str):
    return client.post(
        reverse("assessments:invite"), {"full_name": name, "email": address}, follow=True
    )


def _bulk(client, council, **data):
    return client.post(reverse("assessments:bulk_invite", args=[council.slug]), data)


# --- One invitation ------------------------------------------------------------------------


def test_with_the_mail_server_down_the_invitation_is_kept_and_the_officer_told_it_was_not_emailed(
    client, officer, mail_server_down
):
    client.force_login(officer)

    response = _invite(client, "Nia Jones", "nia@example.org")

    assert response.status_code == 200
    assert (
        "The invitation to Nia Jones at nia@example.org is recorded, but the email could not be "
        "sent." in response.text
    )
    invitation = Invitation.objects.get(user__email="nia@example.org")
    assert invitation.email_state == EmailState.FAILED
    assert invitation.email_attempted_at is not None
    assert not invitation.user.is_active
    assert "The email could not be sent" in response.text  # beside the name in the list
    assert "Send again" in response.text


def test_inviting_again_an_address_whose_email_failed_points_to_send_again(
    client, officer, council, mail_server_down
):
    client.force_login(officer)
    _invite(client, "Nia Jones", "nia@example.org")

    response = _invite(client, "Nia Jones", "nia@example.org")

    assert (
        "nia@example.org has already been invited to Northshire County Council, but the email "
        "could not be sent. Use “Send again” beside their name." in response.text
    )
    assert Invitation.objects.count() == 1


def test_send_again_once_the_mail_server_is_back_emails_a_new_link_that_works(
    client, officer, settings, mail_server_down
):
    client.force_login(officer)
    _invite(client, "Nia Jones", "nia@example.org")
    failed = Invitation.objects.get()
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _use_smtp(settings, port)
        response = client.post(
            reverse("assessments:resend_invitation", args=[failed.pk]), follow=True
        )
    finally:
        controller.stop()

    assert "A new invitation was sent to Nia Jones at nia@example.org" in response.text
    new = Invitation.objects.exclude(pk=failed.pk).get()
    assert new.email_state == EmailState.SENT
    assert inbox.recipients == ["nia@example.org"]
    client.logout()  # the invitee's link, as they would follow it
    assert client.get(inbox.link_in(inbox.messages[0])).status_code == 200


def test_a_mail_server_that_refuses_the_address_marks_the_invitation_failed(
    client, officer, smtp_inbox
):
    smtp_inbox.refuse.add("nia@example.org")
    client.force_login(officer)

    response = _invite(client, "Nia Jones", "nia@example.org")

    assert "the email could not be sent" in response.text
    assert Invitation.objects.get().email_state == EmailState.FAILED
    assert smtp_inbox.messages == []


def test_a_working_mail_server_receives_the_invitation_and_it_is_marked_sent(
    client, officer, smtp_inbox
):
    client.force_login(officer)

    response = _invite(client, "Nia Jones", "nia@example.org")

    assert "Invitation sent to Nia Jones at nia@example.org" in response.text
    assert Invitation.objects.get().email_state == EmailState.SENT
    assert smtp_inbox.recipients == ["nia@example.org"]
    assert "Email sent" in response.text


def test_the_dashboard_says_in_plain_words_how_each_invitations_email_went(
    client, officer, council, settings
):
    sent, sent_token = invitations.invitation_create(
        council=council, full_name="Sent Person", email="sent@example.org", invited_by=officer
    )
    invitations.invitation_send(invitation=sent, token=sent_token)  # the tests' locmem mailer
    failed, failed_token = invitations.invitation_create(
        council=council, full_name="Failed Person", email="failed@example.org", invited_by=officer
    )
    _use_smtp(settings, _free_port())
    invitations.invitation_send(invitation=failed, token=failed_token)
    invitations.invitation_create(
        council=council, full_name="Waiting Person", email="waiting@example.org", invited_by=officer
    )
    client.force_login(officer)

    page = client.get(reverse("assessments:council_dashboard", args=[council.slug])).text

    names = ["Failed Person", "Sent Person", "Waiting Person"]  # the dashboard's order
    starts = [page.index(name) for name in names]
    ends = [*starts[1:], len(page)]
    rows = {name: page[start:end] for name, start, end in zip(names, starts, ends, strict=True)}
    assert "The email could not be sent" in rows["Failed Person"]
    assert "Send again" in rows["Failed Person"]
    assert "Email sent" in rows["Sent Person"]
    assert "Send a new invitation" in rows["Sent Person"]
    assert "Email not sent yet" in rows["Waiting Person"]
    # Times as GOV.UK writes them ("10:42am"), not Django's "10:42a.m.".
    assert re.search(r" at \d{1,2}:\d\d(am|pm)</span>", rows["Sent Person"])
    assert "a.m." not in page and "p.m." not in page


# --- A list --------------------------------------------------------------------------------


def test_a_list_with_the_mail_server_down_invites_every_line_and_says_no_email_went(
    client, officer, council, mail_server_down
):
    client.force_login(officer)
    pasted = (
        "Nia Jones, nia@example.org\nOwen Price, owen@example.org\nRhys Evans, rhys@example.org"
    )

    response = _bulk(client, council, pasted=pasted)

    assert response.status_code == 200
    result = response.context["result"]
    assert [(line.line, line.email_state) for line in result.invited] == [
        (1, EmailState.FAILED),
        (2, EmailState.FAILED),
        (3, EmailState.FAILED),
    ]
    assert set(Invitation.objects.values_list("email_state", flat=True)) == {EmailState.FAILED}
    assert User.objects.filter(council=council, is_active=False).count() == 3
    assert "0 invitations sent, 3 invited but the email could not be sent" in response.text
    assert "Invited, but the email could not be sent" in response.text
    assert "Line 3: Rhys Evans, rhys@example.org" in response.text


def test_a_list_reports_each_line_emailed_or_not_when_the_server_refuses_one_address(
    client, officer, council, smtp_inbox
):
    smtp_inbox.refuse.add("owen@example.org")
    client.force_login(officer)
    pasted = (
        "Nia Jones, nia@example.org\nOwen Price, owen@example.org\nRhys Evans, rhys@example.org"
    )

    response = _bulk(client, council, pasted=pasted)

    result = response.context["result"]
    assert [(line.email, line.emailed) for line in result.invited] == [
        ("nia@example.org", True),
        ("owen@example.org", False),
        ("rhys@example.org", True),
    ]
    assert smtp_inbox.recipients == ["nia@example.org", "rhys@example.org"]
    states = dict(Invitation.objects.values_list("user__email", "email_state"))
    assert states == {
        "nia@example.org": EmailState.SENT,
        "owen@example.org": EmailState.FAILED,
        "rhys@example.org": EmailState.SENT,
    }
    assert "2 invitations sent, 1 invited but the email could not be sent" in response.text


def test_a_nul_byte_or_other_control_character_in_an_uploaded_list_is_a_bad_line(
    client, officer, council
):
    upload = SimpleUploadedFile(
        "list.csv",
        b"Nia Jones, nia@example.org\n"
        b"Owen\x00 Price, owen@example.org\n"
        b'Rhys Evans, "rhys\x00"@example.org\n'
        b'Cerys Ward, "cerys\x07"@example.org\n'
        b"Dai\x1b Lewis, dai@example.org\n"
        b"Alys Hughes, alys@example.org\n",
        content_type="text/csv",
    )
    client.force_login(officer)

    response = _bulk(client, council, csv_file=upload)

    assert response.status_code == 200
    result = response.context["result"]
    assert [line.email for line in result.invited] == ["nia@example.org", "alys@example.org"]
    name = "The name has a hidden control character in it. Type the name again."
    address = "The email address has a hidden control character in it. Type the address again."
    assert {p.line: p.reason for p in result.problems} == {
        2: name,
        3: address,
        4: address,
        5: name,
    }
    assert sorted(User.objects.filter(council=council, is_active=False).values_list("email")) == [
        ("alys@example.org",),
        ("nia@example.org",),
    ]
    assert "4 lines to correct" in response.text


def test_a_typed_name_or_address_with_a_control_character_is_refused_as_a_line_would_be(db):
    form = InvitationForm(
        {"full_name": "Dai\x1b Lewis", "email": '"dai\x07"@example.org'}, choose_council=False
    )

    assert not form.is_valid()
    assert set(form.errors) == {"full_name", "email"}


@pytest.fixture
def database_refuses_one_address(db) -> str:
    """A trigger that makes the database itself refuse one address, as an outage part way would."""
    refused = "refused@example.org"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_one_address() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.email = '{refused}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_one_address BEFORE INSERT ON assessments_user "
                "FOR EACH ROW EXECUTE FUNCTION refuse_one_address()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_one_address BEFORE INSERT ON assessments_user "
                f"WHEN NEW.email = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    return refused


def test_a_list_that_fails_part_way_changes_nothing_and_emails_nobody(
    council, officer, database_refuses_one_address
):
    lines = [
        invitations.InviteLine(1, "Nia Jones", "nia@example.org"),
        invitations.InviteLine(2, "Refused Person", database_refuses_one_address),
        invitations.InviteLine(3, "Owen Price", "owen@example.org"),
    ]

    with pytest.raises(DatabaseError):
        invitations.invite_many(council=council, lines=lines, invited_by=officer)

    assert not User.objects.filter(email="nia@example.org").exists()
    assert not Invitation.objects.exists()
    assert mail.outbox == []
