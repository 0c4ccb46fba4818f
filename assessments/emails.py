"""
Every email the service sends, sent by a background task, never inside a page's request.

The rules:

* A message is first an `Email` row, recorded by `email_queue` inside the caller's transaction,
  with a once-only `key` ("invitation:<pk>"): the database refuses a second row with the same
  key, so a key already used queues nothing. Its task, `email_send`, is enqueued when that
  transaction commits and is given the row's id only: never an object, an address or a token.
* The row never holds the message. The task builds it at the moment of sending, through the
  builder registered for its purpose (`message_builder`), from the rows it names: links and
  tokens are made then (from `settings.SITE_URL`), so nothing secret waits in the queue. A
  builder that finds the message no longer needed (an invitation revoked or used, reminders
  turned off) returns None, and the email is cancelled.
* The task claims the row with one conditional update (queued or retrying, and due → sending),
  so running it twice, or in two workers at once, sends once. A row that is gone (its person or
  invitation deleted), already sent, being sent or not yet due ends the task quietly, with one
  log line and no traceback.
* A mail-server error (unreachable, timed out, a temporary refusal, GOV.UK Notify's 5xx or a
  dropped connection) is retried after each of `settings.EMAIL_RETRY_DELAYS` in turn, then
  given up. A permanent refusal (an SMTP 5xx for the recipient, Notify's 400 for a bad address
  or request) gives up at once: trying again would be refused again. `last_error` keeps the
  exception's class and the server's reply code, never an address or content.
* The mailer is Django's default mailer (the console, or SMTP when EMAIL_HOST is set), or
  GOV.UK Notify when `settings.NOTIFY_API_KEY` is set: one Notify template per purpose
  (`settings.NOTIFY_TEMPLATES`), filled from the message's `notify_personalisation`. After a
  Notify send, `email_check_delivery` reads the message's status back (Notify accepts a message
  before it knows whether it arrived) until it is final, or for 3 days.
* A message stuck in "sending" (its worker killed mid-send) is left alone: the mail server may
  or may not have taken it, and sending twice is worse than asking the officer to send again.
* A message is in its recipient's language (`User.language`, the language of the pages they
  last used), rendered at the moment of sending, so it is in the language known then, not the
  one known when it was queued. Its links are that language's pages (/cy/... for Welsh). To a
  person whose language is not yet known (an invitation, say) it is in both languages in one
  message, Welsh first where their council is a Welsh council, English first otherwise. So
  builders give `render_message` their links and dates through `site_link` and `long_date`,
  which take their language when each language's part is rendered.
"""

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from assessments.models import ActionStep, CouncillorGroup, Email, Invitation, SignInLink, User

logger = logging.getLogger(__name__)

# Notify keeps reading a message's status for 3 days; after that, "not known" is the answer.
DELIVERY_CHECK_FOR = timedelta(days=3)
DELIVERY_CHECK_FIRST = timedelta(minutes=2)
DELIVERY_CHECK_LONGEST = timedelta(hours=12)
# Notify's statuses that will not change again, as `Email.Delivery` values.
FINAL_DELIVERY = {
    "delivered": Email.Delivery.DELIVERED,
    "permanent-failure": Email.Delivery.PERMANENT_FAILURE,
    "temporary-failure": Email.Delivery.TEMPORARY_FAILURE,
    "technical-failure": Email.Delivery.TECHNICAL_FAILURE,
}


@dataclass(frozen=True)
class OutgoingMessage:
    """
    One message, as a builder makes it at the moment of sending.

    `subject`, `text` and `html` are what SMTP and the console send. GOV.UK Notify sends none of
    them: its template for the purpose is filled from `notify_personalisation` (every value a
    string; the README lists each purpose's fields for a council's Notify admin). Notify cannot
    attach files, so `attachments` ((filename, content, mimetype), e.g. a step reminder's .ics)
    go by SMTP only: a builder that attaches a file must also put a link to the same file in
    `notify_personalisation` (e.g. "calendar_link"), served by the site to its owner.
    """

    subject: str
    text: str
    html: str
    attachments: tuple[tuple[str, bytes, str], ...] = ()
    notify_personalisation: dict[str, str] = field(default_factory=dict)
    # The message's (first) language: GOV.UK Notify sends that language's template.
    language: str = settings.LANGUAGE_CODE


# Not delivered, as GOV.UK Notify read it back.
UNDELIVERED = [
    Email.Delivery.PERMANENT_FAILURE,
    Email.Delivery.TEMPORARY_FAILURE,
    Email.Delivery.TECHNICAL_FAILURE,
]


@dataclass(frozen=True)
class EmailStatus:
    """How one email stands, for the officer: plain values read off its row."""

    State: ClassVar = Email.State  # for templates, which compare by member
    Delivery: ClassVar = Email.Delivery

    state: Email.State
    sent_at: datetime | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivery: Email.Delivery

    @property
    def failed(self) -> bool:
        """Nobody will try again and it did not arrive: the officer's "Send again" is the way on."""
        return self.state == Email.State.GAVE_UP or self.delivery in UNDELIVERED


def email_status(email: Email) -> EmailStatus:
    return EmailStatus(
        state=Email.State(email.state),
        sent_at=email.sent_at,
        last_attempt_at=email.last_attempt_at,
        next_attempt_at=email.next_attempt_at,
        delivery=Email.Delivery(email.delivery),
    )


def failed_emails(*, prefix: str = "") -> Q:
    """Emails that gave up or were not delivered, as a filter (`prefix` reaches them through a
    relation, e.g. "emails__" from an invitation)."""
    return Q(**{f"{prefix}state": Email.State.GAVE_UP}) | Q(
        **{f"{prefix}delivery__in": UNDELIVERED}
    )


MessageBuilder = Callable[[Email], OutgoingMessage | None]

# Filled by `message_builder` in each purpose's own module (imported by AppConfig.ready, so the
# worker process has them all): builds the message for an Email row, or None if it is no
# longer needed.
MESSAGES: dict[Email.Purpose, MessageBuilder] = {}


def message_builder(purpose: Email.Purpose) -> Callable[[MessageBuilder], MessageBuilder]:
    """Register the function that builds `purpose`'s message: `@message_builder(Purpose.X)`."""

    def register(builder: MessageBuilder) -> MessageBuilder:
        if purpose in MESSAGES and MESSAGES[purpose] is not builder:
            raise ValueError(f"A builder for {purpose} is registered already.")
        MESSAGES[purpose] = builder
        return builder

    return register


def _site_link(url_name: str, args: tuple, kwargs: dict, fragment: str) -> str:
    link = settings.SITE_URL + reverse(url_name, args=args, kwargs=kwargs)
    return f"{link}#{fragment}" if fragment else link


# `lazy` makes a proxy that calls its function each time it is read as text.
_lazy_site_link = lazy(_site_link, str)
_lazy_date_format = lazy(date_format, str)


def site_link(url_name: str, *args, fragment: str = "", **kwargs) -> str:
    """
    An absolute link to one of the service's pages, for an email (emails are built without a
    request, so from `settings.SITE_URL`): lazy, so it is the page in the language the message
    is rendered in, each language's part of a bilingual message linking to its own pages.
    """
    return _lazy_site_link(url_name, args, kwargs, fragment)


def long_date(value, *, time: bool = False) -> str:
    """A date as "1 March 2027" ("1 Mawrth 2027"; with `time`, "1 March 2027, 09:30"), in the
    language the message is rendered in (lazy, like `site_link`)."""
    return _lazy_date_format(value, "j F Y, H:i" if time else "j F Y")


def message_languages(user: User) -> list[str]:
    """The languages of a message to `user`, in order: theirs, or both (Welsh first where their
    council is a Welsh council) while their language is not yet known."""
    if user.language:
        return [user.language]
    if user.council is not None and user.council.welsh_first:
        return ["cy", settings.LANGUAGE_CODE]
    return [settings.LANGUAGE_CODE, "cy"]


# The suffix of the second language's Notify fields in a bilingual message.
NOTIFY_SUFFIX = {"en-gb": "en", "cy": "cy"}

# Between the two languages of a bilingual message.
TEXT_SEPARATOR = "\n\n----------\n\n"
SUBJECT_SEPARATOR = " / "


def render_message(
    purpose: Email.Purpose,
    context: dict,
    *,
    user: User,
    notify_personalisation: dict[str, str],
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> OutgoingMessage:
    """
    The message to `user` from the purpose's templates: templates/emails/<purpose>_subject.txt
    (one line), <purpose>.txt and <purpose>.html (which extends emails/_message.html), each
    given `context` and the service's name, in each of `message_languages(user)`: one
    language's message, or both languages' parts joined (subjects "Welsh / English", texts one
    after the other, the HTML parts in one document, each part marked with its `lang`).

    GOV.UK Notify's template is the first language's (a Notify template holds its words), its
    fields in that language, and, for a bilingual message, in the second language too.
    """
    languages = message_languages(user)
    bilingual = len(languages) > 1
    parts = []
    for language in languages:
        with translation.override(language):
            part_context = {
                "service_name": gettext(settings.SERVICE_NAME),
                **context,
                "fragment": bilingual,
            }
            part_subject = render_to_string(f"emails/{purpose}_subject.txt", part_context)
            parts.append(
                (
                    language,
                    " ".join(part_subject.split()),  # a header is one line
                    render_to_string(f"emails/{purpose}.txt", part_context),
                    render_to_string(f"emails/{purpose}.html", part_context),
                )
            )
    personalisation: dict[str, str] = {}
    for language in reversed(languages):
        # The first language's values under their own names; a bilingual message also gives
        # the second language's, named with its suffix ("link_cy", "link_en"), for a
        # bilingual Notify template.
        suffix = "" if language == languages[0] else "_" + NOTIFY_SUFFIX[language]
        with translation.override(language):
            personalisation |= {
                f"{name}{suffix}": str(value) for name, value in notify_personalisation.items()
            }
    with translation.override(languages[0]):
        subject = SUBJECT_SEPARATOR.join(part[1] for part in parts)
        html: str = (
            render_to_string(
                "emails/_bilingual.html",
                {
                    "subject": subject,
                    "parts": [{"language": part[0], "html": part[3]} for part in parts],
                },
            )
            if bilingual
            else parts[0][3]
        )
    return OutgoingMessage(
        subject=subject,
        text=TEXT_SEPARATOR.join(part[2] for part in parts),
        html=html,
        attachments=attachments,
        notify_personalisation=personalisation,
        language=languages[0],
    )


def email_queue(
    *,
    purpose: Email.Purpose,
    user: User,
    key: str,
    invitation: Invitation | None = None,
    action_step: ActionStep | None = None,
    group: CouncillorGroup | None = None,
    sign_in_link: SignInLink | None = None,
) -> Email | None:
    """
    Record an email to `user` and send it once the caller's transaction commits; return it, or
    None if `key` was used before (nothing is queued then).

    The insert runs in a savepoint, so a key taken by another request a moment ago (the unique
    constraint decides a race) leaves the caller's transaction usable.
    """
    try:
        with transaction.atomic():
            email = Email.objects.create(
                purpose=purpose,
                user=user,
                key=key,
                invitation=invitation,
                action_step=action_step,
                group=group,
                sign_in_link=sign_in_link,
            )
    except IntegrityError:
        if Email.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(lambda: email_send.enqueue(email.pk))
    return email


def email_queue_many(*, purpose: Email.Purpose, invitations: dict[str, Invitation]) -> list[Email]:
    """
    `email_queue` for many new invitations at once (a bulk invite), each under its key: one
    insert for every row and, once the caller's transaction commits, their tasks in one
    transaction. The keys are new (each names its own new invitation), so none can have been
    used; the database still refuses a repeated one.
    """
    queued = Email.objects.bulk_create(
        Email(purpose=purpose, user_id=invitation.user_id, key=key, invitation=invitation)
        for key, invitation in invitations.items()
    )
    ids = [email.pk for email in queued]

    def enqueue_all() -> None:
        with transaction.atomic():  # one commit for the lot, not one a task
            for email_id in ids:
                email_send.enqueue(email_id)

    transaction.on_commit(enqueue_all)
    return queued


class _Permanent(Exception):
    """The mail server refused the message for good: trying again would be refused again."""

    def __init__(self, summary: str):
        super().__init__(summary)
        self.summary = summary


def _error_summary(error: BaseException) -> str:
    """The exception's class and, if the server gave one, its reply code: never its message,
    which may repeat an address."""
    code = getattr(error, "smtp_code", None) or getattr(error, "status_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _reply in error.recipients.values()})
        code = ",".join(str(code) for code in codes)
    return f"{type(error).__name__} {code}".strip() if code else type(error).__name__


def _is_permanent(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    if isinstance(error, APIError):
        # 400 is Notify refusing the request itself (ValidationError: not a valid email
        # address; BadRequestError); 403 (a bad key) and 429 (over the rate limit) may pass.
        return error.status_code == 400
    return False


def notify_template(purpose: str, language: str) -> str:
    """The Notify template of `purpose` in `language`: the Welsh one for a Welsh message, or
    the English one while the Welsh is not set (the deploy check warns about that)."""
    if language == "cy" and settings.NOTIFY_TEMPLATES_WELSH.get(purpose):
        return settings.NOTIFY_TEMPLATES_WELSH[purpose]
    return settings.NOTIFY_TEMPLATES[purpose]


def _send_by_notify(email: Email, message: OutgoingMessage) -> str:
    client = NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL)
    response = client.send_email_notification(
        email_address=email.user.email,
        template_id=notify_template(email.purpose, message.language),
        personalisation=message.notify_personalisation,
        reference=email.key,  # ours, and no personal data
    )
    return str(response["id"])


def _send_by_mailer(email: Email, message: OutgoingMessage) -> str:
    outgoing = EmailMultiAlternatives(
        subject=message.subject, body=message.text, to=[email.user.email]
    )
    outgoing.attach_alternative(message.html, "text/html")
    for filename, content, mimetype in message.attachments:
        outgoing.attach(filename, content, mimetype)
    if not mailers.default.send_messages([outgoing]):
        raise OSError("The mailer sent nothing")
    return ""


def _deliver(email: Email, message: OutgoingMessage) -> str:
    """Send `message` through the configured mailer; Notify's id for it, or "". Raises
    `_Permanent` for a refusal that is final, the mailer's own error for one that may pass."""
    try:
        if settings.NOTIFY_API_KEY:
            return _send_by_notify(email, message)
        return _send_by_mailer(email, message)
    except (OSError, APIError) as error:  # every smtplib error is an OSError
        if _is_permanent(error):
            raise _Permanent(_error_summary(error)) from error
        raise


def _claim(email_id: int) -> bool:
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Email.objects.filter(
            due, pk=email_id, state__in=[Email.State.QUEUED, Email.State.RETRYING]
        ).update(
            state=Email.State.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            next_attempt_at=None,
        )
    )


@task()
def email_send(email_id: int) -> None:
    """Send one queued email, once (see the module's rules)."""
    if not _claim(email_id):
        state = Email.objects.filter(pk=email_id).values_list("state", flat=True).first()
        logger.info("Email %s not sent by this task: %s", email_id, state or "no longer exists")
        return
    email = Email.objects.select_related("user").get(pk=email_id)
    builder = MESSAGES.get(Email.Purpose(email.purpose))
    if builder is None:  # a purpose whose module the worker did not import: a bug, said plainly
        _give_up(email, "NoMessageBuilder")
        return
    # In the recipient's (first) language: what a builder makes at once (a calendar file, say)
    # is in it too; `render_message` renders each language's part.
    with translation.override(message_languages(email.user)[0]):
        message = builder(email)
    if message is None:
        Email.objects.filter(pk=email.pk).update(state=Email.State.CANCELLED)
        logger.info("Email %s cancelled: no longer needed", email.pk)
        return
    try:
        reference = _deliver(email, message)
    except _Permanent as refusal:
        _give_up(email, refusal.summary)
        return
    except (OSError, APIError) as error:
        _retry_or_give_up(email, _error_summary(error))
        return
    now = timezone.now()
    Email.objects.filter(pk=email.pk).update(
        state=Email.State.SENT, sent_at=now, provider_reference=reference, last_error=""
    )
    logger.info("Email %s sent (%s, attempt %s)", email.pk, email.purpose, email.attempts)
    if reference:
        run_after = now + DELIVERY_CHECK_FIRST
        transaction.on_commit(
            lambda: email_check_delivery.using(run_after=run_after).enqueue(email.pk)
        )


def _give_up(email: Email, summary: str) -> None:
    Email.objects.filter(pk=email.pk).update(state=Email.State.GAVE_UP, last_error=summary)
    logger.warning("Email %s gave up after %s attempts: %s", email.pk, email.attempts, summary)


def _retry_or_give_up(email: Email, summary: str) -> None:
    delays = settings.EMAIL_RETRY_DELAYS
    if email.attempts > len(delays):
        _give_up(email, summary)
        return
    next_attempt_at = timezone.now() + delays[email.attempts - 1]
    Email.objects.filter(pk=email.pk).update(
        state=Email.State.RETRYING, next_attempt_at=next_attempt_at, last_error=summary
    )
    logger.warning(
        "Email %s could not be sent (%s); trying again at %s",
        email.pk,
        summary,
        next_attempt_at.isoformat(),
    )
    transaction.on_commit(lambda: email_send.using(run_after=next_attempt_at).enqueue(email.pk))


@task()
def email_check_delivery(email_id: int) -> None:
    """
    Read back from GOV.UK Notify whether a sent message arrived, and record it. Until Notify's
    status is final, check again later (waiting longer each time), for
    `DELIVERY_CHECK_FOR` after sending; a Notify that cannot be reached is asked again later.
    """
    email = (
        Email.objects.filter(pk=email_id, state=Email.State.SENT)
        .exclude(provider_reference="")
        .first()
    )
    if email is None or not settings.NOTIFY_API_KEY:
        logger.info("Email %s: no delivery status to read", email_id)
        return
    if email.delivery in FINAL_DELIVERY.values():
        return
    client = NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL)
    now = timezone.now()
    try:
        status = client.get_notification_by_id(email.provider_reference).get("status", "")
    except (OSError, APIError) as error:
        logger.warning("Email %s: delivery status not read (%s)", email.pk, _error_summary(error))
        status = ""
    delivery = FINAL_DELIVERY.get(status, Email.Delivery.UNKNOWN)
    Email.objects.filter(pk=email.pk).update(delivery=delivery, delivery_checked_at=now)
    if delivery != Email.Delivery.UNKNOWN:
        return
    assert email.sent_at is not None  # a sent email has its time (a constraint)
    # Wait as long again as it has been since sending: checks thin out as a status grows less
    # likely to change, within the first and longest waits.
    delay = min(max(now - email.sent_at, DELIVERY_CHECK_FIRST), DELIVERY_CHECK_LONGEST)
    if now + delay - email.sent_at > DELIVERY_CHECK_FOR:
        logger.info("Email %s: Notify gave no final status within 3 days", email.pk)
        return
    transaction.on_commit(
        lambda: email_check_delivery.using(run_after=now + delay).enqueue(email.pk)
    )
