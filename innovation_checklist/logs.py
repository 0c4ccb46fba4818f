"""
Log lines people can use: one JSON object per record (or, with LOG_FORMAT=text, one plain line),
from Django and gunicorn alike, with the secrets some URLs carry taken out.

A JSON line has `timestamp`, `level`, `logger` and `message`, and every field a record was given
with `extra=`: the security log's fields (`assessments.audit`: `event`, `user`, `ip`, `path`, ...)
become keys of their own, so a log search can ask for `event=sign_in_failed` and `ip=...`.

What never reaches a line: passwords and notes are never logged in the first place (the security
log refuses such fields, and nothing else logs a form). Tokens are harder, because they sit in
paths that Django's request log ("Gone: /invitation/<token>/") and gunicorn's access log write
out: every line is passed through `redact`, which replaces the token of an invitation link and
the user id and token of a password-reset link. Sentry events get the same treatment
(`scrub_sentry_event`).

This module is read by settings.py and gunicorn.conf.py, before Django is set up: it imports
nothing of Django's.
"""

import logging
import re
from typing import TYPE_CHECKING, Any, cast

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

if TYPE_CHECKING:
    from sentry_sdk.types import Event

REDACTED = "[redacted]"
_SEGMENT = r"[^/\s?#\"'<>]+"
SECRET_PATHS = (
    # /invitation/<token>/ (the officers' own pages are /invitations/, plural)
    (re.compile(rf"(/invitation/){_SEGMENT}"), rf"\g<1>{REDACTED}"),
    # /password-reset/<uidb64>/<token>/ and, after Django's redirect, <uidb64>/set-password/
    (re.compile(rf"(/password-reset/){_SEGMENT}/{_SEGMENT}"), rf"\g<1>{REDACTED}/{REDACTED}"),
    # /sign-in/email-link/<token>/ (but not the pages /sign-in/email-link/ and .../sent/)
    (
        re.compile(rf"(/sign-in/email-link/)(?!sent/)(?=[^/\s?#\"'<>]+/){_SEGMENT}"),
        rf"\g<1>{REDACTED}",
    ),
)


def redact(text: str) -> str:
    """`text` with the secret parts of invitation and password-reset links replaced."""
    for pattern, replacement in SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per record, the security event's fields as keys of their own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        # assessments.audit passes its fields as one dict: spread them out, never over the
        # line's own keys.
        for key, value in (log_data.pop("security_event", None) or {}).items():
            log_data.setdefault(key, value)
        # django.request gives the request itself: its method and path are what is useful.
        request = log_data.get("request")
        if request is not None and hasattr(request, "method"):
            log_data["request"] = f"{request.method} {getattr(request, 'path', '')}"

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class TextFormatter(logging.Formatter):
    """A plain line, for development (LOG_FORMAT=text), tokens taken out as from JSON."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def formatter_config(log_format: str) -> dict:
    """The dictConfig entry of the formatter for LOG_FORMAT `log_format`, "json" or "text"."""
    if log_format == "text":
        return {
            "()": "innovation_checklist.logs.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    if log_format == "json":
        return {"()": "innovation_checklist.logs.JsonFormatter"}
    raise ValueError(f'LOG_FORMAT is "json" or "text", not {log_format!r}')


def gunicorn_logging(log_format: str) -> dict:
    """gunicorn's `logconfig_dict`: its error and access logs in the same form as the app's."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"app": formatter_config(log_format)},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "app",
                "stream": "ext://sys.stdout",
            },
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "app",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
        # gunicorn's own default names a handler replaced above; Django configures the root.
        "root": {"level": "INFO", "handlers": []},
    }


def scrub_sentry_event(event: "Event", hint: dict[str, Any]) -> "Event":
    """Sentry's `before_send`: the tokens out of the URL and the messages sent.

    Sentry already leaves out cookies, the user, the request body and the stack's local
    variables (settings.py); what is left that can hold a token is the request's URL, the
    transaction name and the text of log messages and breadcrumbs."""
    data = cast("dict[str, Any]", event)
    texts: list[tuple[dict[str, Any], str]] = [(data, "transaction")]
    if isinstance(data.get("request"), dict):
        texts += [(data["request"], "url"), (data["request"], "query_string")]
    if isinstance(data.get("logentry"), dict):
        texts += [(data["logentry"], "message"), (data["logentry"], "formatted")]
    breadcrumbs = data.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        texts += [(crumb, "message") for crumb in breadcrumbs.get("values", [])]
    for holder, key in texts:
        if isinstance(holder.get(key), str):
            holder[key] = redact(holder[key])
    return event
