"""
A mail outage loses nothing, keeps no page waiting and tells the officer the truth; a bad line of
a list is a bad line.

Mail goes to real SMTP servers on loopback (tests/email_helpers.py): a port nobody listens on
(the server is down), and an `aiosmtpd` server in this process that accepts, refuses or defers
some recipients, counting every connection. Tasks run in the test (`run_tasks`); a real worker
process is in tests/test_worker.py. Nothing of ours is mocked. The database tests run on
whichever database DATABASE_URL names (SQLite by default; run them with a PostgreSQL
DATABASE_URL as well).
"""

import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import invitations
from assessments.forms.accounts import InvitationForm
from assessments.models import Email, Invitation, User
from tests.email_helpers import (
    Inbox,
    free_port,
    invitation_link_in,
    make_due,
    text_of,
    use_smtp,
)

State = Email.State


def _invite(client, name: str, address: str):
    return client.post(
        reverse("assessments:invite"), {"full_name": name, "email": address}, follow=True
    )


def _bulk(client, council, **data):
    return client.post(reverse("assessments:bulk_invite", args=[council.slug]), data)


def _give_up(settings, run_tasks) -> None:
    """Run the tasks through every retry, each wait passed at once."""
    settings.EMAIL_RETRY_DELAYS = [timedelta(minutes=1)]
    run_tasks()
    for email in Email.objects.filter(state=State.RETRYING):
        make_due(email)
    run_tasks()


# --- One invitation ------------------------------------------------------------------------


def test_with_the_mail_server_down_the_invitation_is_kept_and_its_email_tried_again_later(
    client, officer, mail_server_down, run_tasks
):
    client.force_login(officer)

    response = _invite(client, "Nia Jones", "nia@example.org")

    assert response.status_code == 200
    assert "Invitation made for Nia Jones at nia@example.org. The email is queued" in response.text
    assert "Email queued: it will be sent in a moment" in response.text
    run_tasks()
    email = Email.objects.get()
    assert (email.state, email.last_error) == (State.RETRYING, "ConnectionRefusedError")
    assert not email.invitation.user.is_active
    page = client.get(reverse("assessments:invite")).text
    at = timezone.localtime(email.next_attempt_at)
    expected = f"trying again at {at:%-I:%M}{at:%p}".lower()
    assert "The email could not be sent yet" in page
    assert expected in page.lower()


def test_after_the_last_retry_the_invitation_says_it_gave_up_and_offers_send_again(
    client, officer, mail_server_down, run_tasks, settings
):
    client.force_login(officer)
    _invite(client, "Nia Jones", "nia@example.org")

    _give_up(settings, run_tasks)

    assert Email.objects.get().state == State.GAVE_UP
    page = client.get(reverse("assessments:invite")).text
    assert "The email could not be sent" in page
    assert "gave up after the last try" in page
    assert "Send again" in page


def test_inviting_again_an_address_whose_email_gave_up_points_to_send_again(
    client, officer, council, mail_server_down, run_tasks, settings
):
    client.force_login(officer)
    _invite(client, "Nia Jones", "nia@example.org")
    _give_up(settings, run_tasks)

    response = _invite(client, "Nia Jones", "nia@example.org")

    assert (
        "nia@example.org has already been invited to Northshire County Council, but the email "
        "could not be sent. Use “Send again” beside their name." in response.text
    )
    assert Invitation.objects.count() == 1


def test_send_again_once_the_mail_server_is_back_emails_a_new_link_that_works(
    client, officer, settings, mail_server_down, run_tasks
):
    client.force_login(officer)
    _invite(client, "Nia Jones", "nia@example.org")
    _give_up(settings, run_tasks)
    failed = Invitation.objects.get()
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        use_smtp(settings, port)
        response = client.post(
            reverse("assessments:resend_invitation", args=[failed.pk]), follow=True
        )
        assert "A new invitation was made for Nia Jones at nia@example.org" in response.text
        run_tasks()
    finally:
        controller.stop()

    new = Invitation.objects.exclude(pk=failed.pk).get()
    assert Email.objects.get(invitation=new).state == State.SENT
    assert inbox.recipients == ["nia@example.org"]
    client.logout()  # the invitee's link, as they would follow it
    assert client.get(invitation_link_in(text_of(inbox.messages[0]))).status_code == 200


def test_a_mail_server_that_refuses_the_address_gives_up_at_once(
    client, officer, smtp_inbox, run_tasks
):
    smtp_inbox.refuse.add("nia@example.org")
    client.force_login(officer)
    _invite(client, "Nia Jones", "nia@example.org")

    run_tasks()

    email = Email.objects.get()
    assert (email.state, email.attempts) == (State.GAVE_UP, 1)
    assert smtp_inbox.messages == []
    assert "The email could not be sent" in client.get(reverse("assessments:invite")).text


def test_a_working_mail_server_receives_the_invitation_and_it_is_marked_sent(
    client, officer, smtp_inbox, run_tasks
):
    client.force_login(officer)

    _invite(client, "Nia Jones", "nia@example.org")
    assert smtp_inbox.connections == 0  # the request never spoke to the mail server
    run_tasks()

    assert Email.objects.get().state == State.SENT
    assert smtp_inbox.recipients == ["nia@example.org"]
    assert "Email sent" in client.get(reverse("assessments:invite")).text


def test_the_page_never_waits_on_a_mail_server_that_hangs(client, officer, settings, run_tasks):
    # A server that accepts the connection and then says nothing, as a stuck one does: a
    # request that spoke to it would hang for the mailer's whole timeout. The request makes no
    # connection at all; only the task does.
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(5)
    try:
        use_smtp(settings, hanging.getsockname()[1])
        settings.MAILERS["default"]["OPTIONS"]["timeout"] = 1
        client.force_login(officer)

        response = _invite(client, "Nia Jones", "nia@example.org")

        assert response.status_code == 200
        hanging.settimeout(0)
        with pytest.raises(BlockingIOError):
            hanging.accept()  # nobody connected
        run_tasks()
        connected, _address = hanging.accept()  # the task did
        connected.close()
    finally:
        hanging.close()
    assert Email.objects.get().state == State.RETRYING


def test_the_dashboard_says_in_plain_words_how_each_invitations_email_went(
    client, officer, council, settings, run_tasks
):
    def invite(name: str) -> Invitation:
        return invitations.invitation_create(
            council=council,
            full_name=name,
            email=f"{name.split()[0].lower()}@example.org",
            invited_by=officer,
        )

    invite("Sent Person")
    run_tasks()  # the tests' in-memory mailer
    invite("Failed Person")
    use_smtp(settings, free_port())
    _give_up(settings, run_tasks)
    invite("Retrying Person")
    run_tasks()
    invite("Waiting Person")
    delivered = invite("Delivered Person")
    bounced = invite("Bounced Person")
    for invitation, delivery in ((delivered, "delivered"), (bounced, "permanent_failure")):
        Email.objects.filter(invitation=invitation).update(
            state=State.SENT, sent_at=timezone.now(), delivery=delivery, attempts=1
        )
    client.force_login(officer)

    page = client.get(reverse("assessments:council_dashboard", args=[council.slug])).text

    names = [  # the dashboard's order
        "Bounced Person",
        "Delivered Person",
        "Failed Person",
        "Retrying Person",
        "Sent Person",
        "Waiting Person",
    ]
    starts = [page.index(name) for name in names]
    ends = [*starts[1:], len(page)]
    rows = {name: page[start:end] for name, start, end in zip(names, starts, ends, strict=True)}
    assert "The email could not be sent</strong> (gave up" in rows["Failed Person"]
    assert "Send again" in rows["Failed Person"]
    assert "The email could not be sent yet</strong>: trying again at" in rows["Retrying Person"]
    assert "Send a new invitation" in rows["Retrying Person"]
    assert "Email sent" in rows["Sent Person"]
    assert "Send a new invitation" in rows["Sent Person"]
    assert "Email queued: it will be sent in a moment" in rows["Waiting Person"]
    assert "Delivered" in rows["Delivered Person"]
    assert (
        "Not delivered</strong>: The address does not exist or cannot receive email"
        in rows["Bounced Person"]
    )
    assert "Send again" in rows["Bounced Person"]
    # Times as GOV.UK writes them ("10:42am"), not Django's "10:42a.m.".
    assert re.search(r" at \d{1,2}:\d\d(am|pm)</span>", rows["Sent Person"])
    assert "a.m." not in page and "p.m." not in page


def test_the_dashboards_queries_do_not_grow_with_the_number_of_invitations(
    client, officer, council, run_tasks
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("assessments:council_dashboard", args=[council.slug]))
        return len(queries)

    client.force_login(officer)
    invitations.invitation_create(
        council=council, full_name="One Person", email="one@example.org", invited_by=officer
    )
    one = count_queries()
    for number in range(20):
        invitations.invitation_create(
            council=council,
            full_name=f"Person {number}",
            email=f"p{number}@example.org",
            invited_by=officer,
        )
    run_tasks()

    assert count_queries() == one


# --- A list --------------------------------------------------------------------------------


def test_a_list_with_the_mail_server_down_invites_every_line_and_says_the_emails_are_queued(
    client, officer, council, mail_server_down, run_tasks
):
    client.force_login(officer)
    pasted = (
        "Nia Jones, nia@example.org\nOwen Price, owen@example.org\nRhys Evans, rhys@example.org"
    )

    response = _bulk(client, council, pasted=pasted)

    assert response.status_code == 200
    result = response.context["result"]
    assert [line.line for line in result.invited] == [1, 2, 3]
    assert set(Email.objects.values_list("state", flat=True)) == {State.QUEUED}
    assert User.objects.filter(council=council, is_active=False).count() == 3
    assert "3 invitations made, their emails queued" in response.text
    assert "The emails are being sent in the background" in response.text
    run_tasks()
    assert set(Email.objects.values_list("state", flat=True)) == {State.RETRYING}


def test_a_list_sends_each_line_on_its_own_when_the_server_refuses_one_address(
    client, officer, council, smtp_inbox, run_tasks
):
    smtp_inbox.refuse.add("owen@example.org")
    client.force_login(officer)
    pasted = (
        "Nia Jones, nia@example.org\nOwen Price, owen@example.org\nRhys Evans, rhys@example.org"
    )

    _bulk(client, council, pasted=pasted)
    assert smtp_inbox.connections == 0
    run_tasks()

    assert sorted(smtp_inbox.recipients) == ["nia@example.org", "rhys@example.org"]
    states = dict(Email.objects.values_list("user__email", "state"))
    assert states == {
        "nia@example.org": State.SENT,
        "owen@example.org": State.GAVE_UP,
        "rhys@example.org": State.SENT,
    }


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
    assert not Email.objects.exists()
    assert mail.outbox == []


def test_a_list_of_500_is_invited_in_the_request_without_a_word_to_the_mail_server(
    client, officer, council, smtp_inbox, run_tasks
):
    client.force_login(officer)
    pasted = "\n".join(f"Person {n}, person{n}@example.org" for n in range(500))

    response = _bulk(client, council, pasted=pasted)

    assert response.status_code == 200
    assert "500 invitations made, their emails queued" in response.text
    assert smtp_inbox.connections == 0
    assert Email.objects.filter(state=State.QUEUED).count() == 500
    run_tasks()
    assert len(smtp_inbox.messages) == 500
    assert len(set(smtp_inbox.recipients)) == 500  # none twice
