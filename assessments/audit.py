"""
Security events, written to the `security` logger: sign-in, sign-in failure, lock-out, sign-out,
permission refused, and every download of someone's answers (report PDFs, data exports).

One line per event, `event=… user=… ip=… path=…` and any extra fields, so that a log search can
follow one account or one address. What never goes in: passwords, notes, answers, or the email
address someone typed into a failed sign-in (people type their password into the wrong box);
that address is logged as a short hash instead, enough to see repeated failures against it.

The sign-in events come from django.contrib.auth's and django-axes's signals. The receivers
below only log: nothing else may hang off them.
"""

import hashlib
import logging

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

logger = logging.getLogger("security")

# Field names a caller may not log, whatever the value: a guard against a careless `**fields`.
FORBIDDEN_FIELDS = frozenset({"password", "note", "notes", "answer", "answers", "credentials"})
# URL parts that work like a password: such paths are logged by view name only.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})


def log_security_event(request: HttpRequest | None, event: str, **fields) -> None:
    """
    Log one security event. `fields` are small plain values (ids, counts, codes); the signed-in
    user's id, the client's IP address and the path are added from the request.
    """
    forbidden = FORBIDDEN_FIELDS.intersection(fields)
    if forbidden:
        raise ValueError(f"Security events never log {', '.join(sorted(forbidden))}")
    user = getattr(request, "user", None)
    record = {
        "event": event,
        "user": fields.pop("user", user.pk if user and user.is_authenticated else "-"),
    }
    if request is not None:
        record["ip"] = get_client_ip_address(request) or "-"
        record["path"] = _loggable_path(request)
    record.update(fields)
    logger.info(
        " ".join(f"{key}={_plain(value)}" for key, value in record.items()),
        extra={"security_event": record},
    )


def email_digest(email: str) -> str:
    """A short, stable stand-in for an email address typed at sign-in."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:12]


def _loggable_path(request: HttpRequest) -> str:
    """The path, unless it carries a secret (an invitation or password-reset link's token)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and SECRET_URL_KWARGS.intersection(match.kwargs):
        return match.view_name
    return request.path


def _plain(value) -> str:
    # One token per value, so that a crafted value cannot forge another field or line.
    text = str(value)
    return "".join(c if c.isprintable() and not c.isspace() else "_" for c in text) or "-"


# --- Sign-in events (logging only) ---------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="security-log-sign-in")
def _signed_in(sender, request, user, **kwargs):
    log_security_event(request, "sign_in", user=user.pk)


@receiver(user_logged_out, dispatch_uid="security-log-sign-out")
def _signed_out(sender, request, user, **kwargs):
    # After an account is deleted the user object is still there, without a primary key.
    log_security_event(request, "sign_out", user=getattr(user, "pk", None) or "-")


@receiver(user_login_failed, dispatch_uid="security-log-sign-in-failure")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    # `credentials` holds the typed email (and a masked password): log only the email's digest.
    email = credentials.get("username") or credentials.get("email") or ""
    log_security_event(request, "sign_in_failed", email_hash=email_digest(email) if email else "-")


@receiver(user_locked_out, dispatch_uid="security-log-lock-out")
def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    log_security_event(request, "locked_out", email_hash=email_digest(username or ""))
