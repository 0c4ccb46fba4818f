"""
Running queued tasks in a test, and mail servers on loopback for them to talk to.

`run_tasks()` is the worker, in the test's own process and transaction: it first runs the
`on_commit` callbacks the test's requests left waiting (the test's transaction never commits,
so without this no task would ever be enqueued), then every task that is due, through
django-tasks-db's own `Worker.run_task`, until nothing is left. A task that raised fails the
test with its traceback, rather than being recorded as failed and passing unseen. The real
worker process, as production runs it, is in tests/test_worker.py.
"""

import email
import email.policy
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from assessments import emails, sign_in_links
from assessments.models import Email, Invitation, User

RunTasks = Callable[[], int]


def _run_pending_on_commit() -> int:
    # Django's own captureOnCommitCallbacks reads the same list: callbacks registered inside
    # the test's transaction, in order, each of which may register more.
    ran = 0
    while connection.run_on_commit:
        _savepoints, callback, _robust = connection.run_on_commit.pop(0)
        callback()
        ran += 1
    return ran


def run_due_tasks() -> int:
    """Run every task that is due, as `db_worker --batch` would; how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while True:
        _run_pending_on_commit()
        result = DBTaskResult.objects.ready().order_by(*DBTaskResult._meta.ordering).first()
        if result is None:
            return ran
        result.claim(worker.worker_id)
        worker.run_task(result)
        result.refresh_from_db()
        assert result.status != "FAILED", result.traceback
        ran += 1


@pytest.fixture
def run_tasks(db) -> RunTasks:
    """Call it to run every task that is due now (see the module's docstring)."""
    return run_due_tasks


def make_due(email_row: Email) -> None:
    """Bring a retry's time (and its task's) to now, as if the wait had passed."""
    now = timezone.now()
    Email.objects.filter(pk=email_row.pk, next_attempt_at__isnull=False).update(next_attempt_at=now)
    DBTaskResult.objects.filter(status="READY").update(run_after=now)


def token_in(text: str) -> str:
    """The token of the invitation link in an email's text."""
    prefix, suffix = reverse("assessments:accept_invitation", kwargs={"token": "TOKEN"}).split(
        "TOKEN"
    )
    return re.search(re.escape(prefix) + r"([^/\s]+)" + re.escape(suffix), text).group(1)


def send_invitation(invitation: Invitation) -> str:
    """Send the invitation's queued email now, by its task, as the worker would; the token of
    the link it carried (the only one that works)."""
    email = Email.objects.get(invitation=invitation)
    emails.email_send.call(email.pk)
    email.refresh_from_db()
    assert email.state == Email.State.SENT, email.last_error
    return token_in(mail.outbox[-1].body)


def make_sign_in_link(user: User) -> str:
    """Ask for a sign-in link for `user` and send its email now, by its task; the link's token
    (the last part of the emailed link)."""
    link = sign_in_links.sign_in_link_request(request=None, email=user.email)
    assert link is not None, "only active councillors get links"
    email = Email.objects.get(sign_in_link=link)
    emails.email_send.call(email.pk)
    email.refresh_from_db()
    assert email.state == Email.State.SENT, email.last_error
    return sign_in_link_token_in(mail.outbox[-1].body)


def sign_in_link_token_in(body: str) -> str:
    match = re.search(r"/sign-in/email-link/([\w-]+)/", body)
    assert match, body
    return match.group(1)


# --- SMTP on loopback ----------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_smtp(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }
    }


@dataclass
class Inbox:
    """An aiosmtpd handler: keeps what it accepts, refuses the recipients in `refuse` (550), or
    asks for them to try later (451) when in `defer`; counts every connection."""

    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        if address in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.SMTP))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return [message["To"] for message in self.messages]


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def invitation_link_in(text: str) -> str:
    prefix = reverse("assessments:accept_invitation", kwargs={"token": "TOKEN"}).split("TOKEN")
    return re.search(re.escape(prefix[0]) + r"[^/\s]+/", text).group(0)


@pytest.fixture
def smtp_inbox(settings) -> Iterator[Inbox]:
    """A working SMTP server on loopback; the mailer points at it."""
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    use_smtp(settings, inbox.port)
    yield inbox
    controller.stop()


@pytest.fixture
def mail_server_down(settings) -> None:
    use_smtp(settings, free_port())
