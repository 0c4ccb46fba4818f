"""
The email queue: recorded once per key, sent once by a task, retried with back-off, given up,
cancelled when no longer needed. Mail goes to the tests' in-memory mailer or to real SMTP
servers on loopback (tests/email_helpers.py); nothing of ours is mocked.
"""

import logging
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments import emails
from assessments.admin import background as admin
from assessments.models import Email
from tests.email_helpers import make_due

Purpose, State = Email.Purpose, Email.State


@pytest.fixture
def stand_in_builder(monkeypatch) -> list[int]:
    """A builder for completion reminders (a purpose this module owns no builder for), counting
    the emails it built; it says "no longer needed" for a person whose name is "Not needed"."""
    built: list[int] = []

    def build(email: Email) -> emails.OutgoingMessage | None:
        built.append(email.pk)
        if email.user.full_name == "Not needed":
            return None
        return emails.OutgoingMessage(
            subject="A reminder",
            text="Plain words",
            html="<p>Plain words</p>",
            attachments=(("step.ics", b"BEGIN:VCALENDAR", "text/calendar"),),
            notify_personalisation={"full_name": email.user.full_name},
        )

    monkeypatch.setitem(emails.MESSAGES, Purpose.COMPLETION_REMINDER, build)
    return built


def _queue(user, key="reminder:1") -> Email | None:
    return emails.email_queue(purpose=Purpose.COMPLETION_REMINDER, user=user, key=key)


def test_an_email_is_queued_once_per_key(councillor, stand_in_builder, run_tasks):
    first = _queue(councillor)
    second = _queue(councillor)

    assert first is not None and second is None
    assert Email.objects.count() == 1
    run_tasks()
    assert len(mail.outbox) == 1


def test_a_key_already_used_leaves_the_callers_transaction_usable(councillor, stand_in_builder):
    _queue(councillor)

    assert _queue(councillor) is None

    assert Email.objects.filter(key="reminder:1").count() == 1  # a query after the refusal


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_for_one_key_queue_one_email(councillor, stand_in_builder):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite takes one writer at a time: the race cannot happen there")
    results: list[Email | None] = []
    barrier = threading.Barrier(2)

    def queue() -> None:
        try:
            barrier.wait()
            results.append(_queue(councillor))
        finally:
            connection.close()

    threads = [threading.Thread(target=queue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(result is None for result in results) == [False, True]
    assert Email.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_nothing_is_enqueued_until_the_callers_transaction_commits(
    councillor, stand_in_builder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        _queue(councillor)
        assert not DBTaskResult.objects.exists()

    assert len(callbacks) == 1
    assert not DBTaskResult.objects.exists()  # not executed: the transaction did not commit


def test_the_task_is_given_the_emails_id_and_nothing_else(councillor, stand_in_builder, run_tasks):
    email = _queue(councillor)
    connection.run_on_commit[-1][1]()  # enqueue, as the commit would

    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs == {"args": [email.pk], "kwargs": {}}
    assert task.task_path == "assessments.emails.email_send"


def test_the_task_sends_the_message_and_records_it_sent(councillor, stand_in_builder, run_tasks):
    email = _queue(councillor)

    run_tasks()

    email.refresh_from_db()
    assert email.state == State.SENT
    assert email.sent_at is not None and email.attempts == 1
    (message,) = mail.outbox
    assert message.to == [councillor.email]
    assert message.subject == "A reminder"
    assert message.alternatives[0][1] == "text/html"
    assert message.attachments[0][0] == "step.ics"


def test_running_the_task_twice_sends_one_message(councillor, stand_in_builder, run_tasks):
    email = _queue(councillor)
    run_tasks()

    emails.email_send.call(email.pk)
    emails.email_send.enqueue(email.pk)
    run_tasks()

    assert len(mail.outbox) == 1
    assert stand_in_builder == [email.pk]


def test_an_email_being_sent_is_not_sent_again_by_a_second_task(
    councillor, stand_in_builder, caplog
):
    email = _queue(councillor)
    Email.objects.filter(pk=email.pk).update(state=State.SENDING)

    with caplog.at_level(logging.INFO, logger="assessments.emails"):
        emails.email_send.call(email.pk)

    assert mail.outbox == []
    assert f"Email {email.pk} not sent by this task: sending" in caplog.text


def test_a_task_for_a_deleted_person_ends_quietly_with_one_log_line(
    councillor, stand_in_builder, run_tasks, caplog
):
    email = _queue(councillor)
    councillor.delete()  # the email row goes with them

    with caplog.at_level(logging.INFO):
        run_tasks()

    assert not Email.objects.exists()
    assert mail.outbox == []
    lines = [r for r in caplog.records if r.name == "assessments.emails"]
    assert [r.getMessage() for r in lines] == [
        f"Email {email.pk} not sent by this task: no longer exists"
    ]
    assert all(record.exc_info is None for record in caplog.records)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_message_no_longer_needed_is_cancelled_and_not_sent(
    councillor, stand_in_builder, run_tasks
):
    councillor.full_name = "Not needed"
    councillor.save()
    email = _queue(councillor)

    run_tasks()

    email.refresh_from_db()
    assert email.state == State.CANCELLED
    assert mail.outbox == []


def test_a_retry_waits_until_it_is_due(councillor, stand_in_builder, run_tasks):
    email = _queue(councillor)
    Email.objects.filter(pk=email.pk).update(
        state=State.RETRYING,
        last_error="OSError",
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )

    run_tasks()  # the first task finds it not due

    email.refresh_from_db()
    assert email.state == State.RETRYING and mail.outbox == []


def test_a_mail_server_that_is_down_is_tried_again_on_the_back_off_schedule_then_given_up(
    councillor, stand_in_builder, run_tasks, settings, mail_server_down
):
    settings.EMAIL_RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5)]
    email = _queue(councillor)
    waits = []

    for _attempt in range(2):
        started = timezone.now()
        run_tasks()
        email.refresh_from_db()
        assert email.state == State.RETRYING
        assert email.last_error == "ConnectionRefusedError"
        waits.append(email.next_attempt_at - started)
        (waiting,) = DBTaskResult.objects.filter(status="READY")
        assert waiting.run_after == email.next_attempt_at
        make_due(email)
    run_tasks()

    email.refresh_from_db()
    assert email.state == State.GAVE_UP
    assert email.attempts == 3
    assert timedelta(minutes=1) <= waits[0] < timedelta(minutes=2)
    assert timedelta(minutes=5) <= waits[1] < timedelta(minutes=6)
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_temporary_refusal_is_retried_and_sent_once_the_server_takes_it(
    councillor, stand_in_builder, run_tasks, smtp_inbox
):
    smtp_inbox.defer.add(councillor.email)
    email = _queue(councillor)
    run_tasks()
    email.refresh_from_db()
    assert (email.state, email.last_error) == (State.RETRYING, "SMTPRecipientsRefused 451")

    smtp_inbox.defer.clear()
    make_due(email)
    run_tasks()

    email.refresh_from_db()
    assert email.state == State.SENT and email.attempts == 2
    assert smtp_inbox.recipients == [councillor.email]


def test_a_recipient_the_server_refuses_for_good_is_given_up_at_once(
    councillor, stand_in_builder, run_tasks, smtp_inbox
):
    smtp_inbox.refuse.add(councillor.email)
    email = _queue(councillor)

    run_tasks()

    email.refresh_from_db()
    assert (email.state, email.last_error) == (State.GAVE_UP, "SMTPRecipientsRefused 550")
    assert email.attempts == 1
    assert councillor.email not in email.last_error


def test_a_purpose_without_a_builder_gives_up_plainly(councillor, run_tasks, monkeypatch):
    monkeypatch.delitem(emails.MESSAGES, Purpose.COMPLETION_REMINDER, raising=False)
    email = _queue(councillor)

    run_tasks()

    email.refresh_from_db()
    assert (email.state, email.last_error) == (State.GAVE_UP, "NoMessageBuilder")


# --- Admins see failing work ---------------------------------------------------------------


def test_admins_see_every_email_read_only_filtered_by_state_and_purpose(
    admin_client, councillor, stand_in_builder
):
    email = _queue(councillor)
    Email.objects.filter(pk=email.pk).update(state=State.GAVE_UP, last_error="OSError")

    listing = admin_client.get(
        reverse("admin:assessments_email_changelist"), {"state__exact": "gave_up"}
    )
    page = admin_client.get(reverse("admin:assessments_email_change", args=[email.pk]))

    assert listing.status_code == 200
    assert "reminder:1" in listing.text or councillor.full_name in listing.text
    assert "By state" in listing.text and "By purpose" in listing.text
    assert page.status_code == 200
    assert 'name="state"' not in page.text  # read-only: no form field
    assert admin_client.get(reverse("admin:assessments_email_add")).status_code == 403


def test_the_background_work_page_counts_waiting_and_failed_tasks_and_emails_that_gave_up(
    admin_client,
    councillor,
    second_councillor,
    stand_in_builder,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _queue(councillor, key="reminder:1")
        gave_up = _queue(second_councillor, key="reminder:2")
    Email.objects.filter(pk=gave_up.pk).update(state=State.GAVE_UP, last_error="OSError")
    DBTaskResult.objects.filter(args_kwargs__args=[gave_up.pk]).update(status="FAILED")

    index = admin_client.get(reverse("admin:index")).text
    page = admin_client.get(reverse("admin:assessments_email_work")).text

    assert reverse("admin:assessments_email_work") in index
    work = admin.background_work()
    assert (work.tasks_due, work.tasks_failed, work.emails_gave_up) == (1, 1, 1)
    assert f"{reverse('admin:assessments_email_changelist')}?state__exact=gave_up" in page
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    assert f"{changelist}?status__exact=FAILED" in page
    assert f"{changelist}?status__exact=READY" in page


def test_the_background_work_page_is_for_admins_only(client, officer):
    client.force_login(officer)

    response = client.get(reverse("admin:assessments_email_work"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
