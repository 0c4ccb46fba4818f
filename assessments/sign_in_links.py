"""
Email sign-in links for councillors, who use the service twice a year and forget passwords.

The rules:

* A councillor asks for a link on the sign-in page by giving their email address. The page
  that follows ("Check your email") says the same whatever the address: an account or none,
  a councillor or staff, so it tells nobody which addresses have accounts.
* Only an active councillor's account gets a link. Officers and admins hold other people's
  reports and the whole service, so they sign in with their password (and, later, a second
  factor); their request is refused quietly (the same page, no email) and written to the
  security log (`sign_in_link_refused`), as is a request for an unknown address.
* The link carries a random token (`secrets.token_urlsafe`); only its SHA-256 hash is stored,
  as with invitations. Like an invitation, the link is made by the email's task at the moment
  of sending (a fresh token whose hash replaces the stored one, only while the link is unused
  and unexpired), so no token waits in the queue.
* A link works once, for `settings.SIGN_IN_LINK_EXPIRY_MINUTES` (15) minutes. Using it is one
  conditional update (unused and unexpired → used), so a double click or two tabs at once
  sign in once: the second is told the link was used, never a 500. An expired link says so and
  offers a new one.
* Requests are rate-limited per address asked for and per client address, like password
  resets (`assessments.ratelimits.SIGN_IN_LINK`).
* Signing in with a link is logged as a sign-in (`sign_in`, by Django's signal) and in the
  access trail (`sign_in_link_used`). A link that fails is logged as `sign_in_link_failed`.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import emails
from assessments.access_log import audit_access
from assessments.audit import email_digest, log_security_event
from assessments.invitations import hash_token  # one rule for emailed tokens at rest
from assessments.models import AccessEvent, Email, SignInLink, User
from assessments.refusals import Refusal


class SignInLinkNotUsable(Refusal):
    """The link is unknown, used or expired; `reason` says which."""

    class Reason(models.TextChoices):
        UNKNOWN = "unknown", _("This sign-in link is not valid")
        USED = "used", _("This sign-in link has already been used")
        EXPIRED = "expired", _("This sign-in link has expired")

    def __init__(self, reason: Reason):
        super().__init__(reason.label)
        self.reason = reason


def can_use_sign_in_links(user: User) -> bool:
    """Active councillors only: never officers or admins."""
    return (
        user.is_active
        and user.role == User.Role.COUNCILLOR
        and not user.is_staff
        and not user.is_superuser
    )


@transaction.atomic
def sign_in_link_request(*, request: HttpRequest, email: str) -> SignInLink | None:
    """
    A link for the councillor at `email`, emailed once this commits; None (and nothing sent)
    for an address with no account or an account that may not use links, which is logged.
    """
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not can_use_sign_in_links(user):
        log_security_event(
            request,
            "sign_in_link_refused",
            email_hash=email_digest(email),
            reason="no_account" if user is None else "not_a_councillor",
        )
        return None
    link = SignInLink.objects.create(
        user=user,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        expires_at=timezone.now() + timedelta(minutes=settings.SIGN_IN_LINK_EXPIRY_MINUTES),
    )
    emails.email_queue(
        purpose=Email.Purpose.SIGN_IN_LINK,
        user=user,
        key=f"sign_in_link:{link.pk}",
        sign_in_link=link,
    )
    log_security_event(request, "sign_in_link_requested", user=user.pk)
    return link


@emails.message_builder(Email.Purpose.SIGN_IN_LINK)
def _sign_in_link_message(email: Email) -> emails.OutgoingMessage | None:
    """The email, with a token made now; None (cancelled) for a link used or expired first,
    or an account that may no longer use links."""
    assert email.sign_in_link_id is not None  # a constraint
    user = email.user
    if not can_use_sign_in_links(user):
        return None
    token = secrets.token_urlsafe(32)
    live = SignInLink.objects.filter(
        pk=email.sign_in_link_id, used_at__isnull=True, expires_at__gt=timezone.now()
    )
    if not live.update(token_hash=hash_token(token)):
        return None
    link = emails.site_link("assessments:sign_in_link_use", token=token)
    minutes = settings.SIGN_IN_LINK_EXPIRY_MINUTES
    return emails.render_message(
        Email.Purpose.SIGN_IN_LINK,
        {"full_name": user.full_name, "link": link, "minutes": minutes},
        user=user,
        notify_personalisation={
            "full_name": user.full_name,
            "link": link,
            "minutes": str(minutes),
        },
    )


def check_sign_in_link(token: str) -> SignInLink:
    """The link for `token`, if it can be used now; otherwise SignInLinkNotUsable."""
    link = SignInLink.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    if link is None or not can_use_sign_in_links(link.user):
        raise SignInLinkNotUsable(SignInLinkNotUsable.Reason.UNKNOWN)
    if link.used_at is not None:
        raise SignInLinkNotUsable(SignInLinkNotUsable.Reason.USED)
    if link.expires_at <= timezone.now():
        raise SignInLinkNotUsable(SignInLinkNotUsable.Reason.EXPIRED)
    return link


@transaction.atomic
def sign_in_link_use(*, token: str) -> User:
    """
    Use the link once: one conditional update marks it used, so of two requests at once only
    one gets the account; the other is told the link was used. Recorded in the access trail.
    """
    link = check_sign_in_link(token)
    used = SignInLink.objects.filter(
        pk=link.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not used:
        raise SignInLinkNotUsable(SignInLinkNotUsable.Reason.USED)
    audit_access(
        action=AccessEvent.Action.SIGN_IN_LINK_USED,
        actor=link.user,
        subject=link.user,
        details={"sign_in_link": link.pk},
    )
    return link.user
