"""
Rate limits on the requests that send email: password resets, and invitations (one, a list, or
"Send again"), so that one client cannot burn the mail quota or fill someone's inbox.

Rules (numbers in settings.py, `RATE_LIMIT_*`, "count/period"):
- Every POST to a limited view counts once against each of its limits, refused or not; a list
  invitation of 500 lines is one request. GETs (showing the form) never count.
- A password reset counts per email address asked for (lower-cased, whether or not it has an
  account, so the limit says nothing about which addresses do) and per client address.
- An invitation counts per officer or admin account and per client address; the three kinds of
  invitation share the counts.
- The client's address is the one django-axes counts sign-in failures against (settings
  `AXES_IPWARE_PROXY_COUNT`), so both read X-Forwarded-For the same way behind the proxies.
- A request over any of its limits gets the "Too many requests" page, status 429, saying when to
  try again, and is written to the security log (`rate_limited`).
- The counts live in the shared cache, in fixed windows (django-ratelimit's counter: one `add`
  and one `incr` per limit), so a client can get at most twice a limit through around the end of
  a window.
- When the cache cannot count (Redis down: `assessments.cache` turns `incr` into None), requests
  are let through (RATELIMIT_FAIL_OPEN): the limits guard a mail quota, not an account, and an
  officer's invitations or a councillor's password reset matter more than a brief gap in the
  limit. Sign-in limits do not depend on the cache: django-axes keeps them in the database.

django-ratelimit's counting (`get_usage`) is used as it is; its `ratelimit` decorator is not,
because it raises PermissionDenied (a 403) and says nothing about when to try again, and its app
is not installed, because its system checks know only django-redis and memcached and would flag
Django's own Redis backend as unsupported and the development in-memory default as an error.
"""

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from assessments.audit import log_security_event


def client_address(group: str, request: HttpRequest) -> str:
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "")


def signed_in_account(group: str, request: HttpRequest) -> str:
    return str(request.user.pk) if request.user.is_authenticated else ""


def email_asked_for(group: str, request: HttpRequest) -> str:
    return request.POST.get("email", "").strip().lower()


@dataclass(frozen=True)
class Limit:
    """One count: the requests of `group` per value of `key`, at most settings.<setting>."""

    group: str
    setting: str
    key: Callable[[str, HttpRequest], str]


PASSWORD_RESET = (
    Limit("password_reset:email", "RATE_LIMIT_PASSWORD_RESET_PER_EMAIL", email_asked_for),
    Limit("password_reset:address", "RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS", client_address),
)
SIGN_IN_LINK = (
    Limit("sign_in_link:email", "RATE_LIMIT_SIGN_IN_LINK_PER_EMAIL", email_asked_for),
    Limit("sign_in_link:address", "RATE_LIMIT_SIGN_IN_LINK_PER_ADDRESS", client_address),
)
INVITATIONS = (
    Limit("invitations:account", "RATE_LIMIT_INVITATIONS_PER_ACCOUNT", signed_in_account),
    Limit("invitations:address", "RATE_LIMIT_INVITATIONS_PER_ADDRESS", client_address),
)


def seconds_to_wait(request: HttpRequest, limits: tuple[Limit, ...]) -> int | None:
    """Count this request against each limit; None if it is within all of them, otherwise the
    seconds until the last exceeded one lets a request through again."""
    waits = []
    for limit in limits:
        if not limit.key(limit.group, request):
            continue  # nothing to count by (a form posted without an email address)
        usage = get_usage(
            request,
            group=limit.group,
            key=limit.key,
            rate=getattr(settings, limit.setting),
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            waits.append(max(usage["time_left"], 1))
            log_security_event(request, "rate_limited", limit=limit.group)
    return max(waits) if waits else None


def rate_limited(limits: tuple[Limit, ...], *, template: str):
    """A view decorator: a POST over any of `limits` gets the "Too many requests" page,
    `template`, which says what to do meanwhile."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                wait = seconds_to_wait(request, limits)
                if wait is not None:
                    return too_many_requests(request, wait, template=template)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_requests(request: HttpRequest, wait: int, *, template: str) -> HttpResponse:
    response = render(request, template, {"minutes": math.ceil(wait / 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response
