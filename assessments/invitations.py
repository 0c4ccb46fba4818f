"""
Inviting councillors.

The rules:

* An invitation creates the councillor's account at once, inactive and with no usable password,
  so officers can see who was invited. Nobody can sign in to it until the link is used.
* The emailed link carries a random token (`secrets.token_urlsafe`); only its SHA-256 hash is
  stored, so a copy of the database cannot be turned into working links.
* A link works once, for `settings.INVITATION_EXPIRY_DAYS` days, unless revoked. Sending a new
  invitation revokes the person's earlier ones, so only the latest link works.
* An email address is invited once. An address that already has an account in the same council
  is refused with a message saying so; an address used in another council is refused plainly.
* A person has at most one live (not accepted, not revoked) invitation, and an address (in any
  case) one account: the database keeps both rules. Two officers inviting the same address at
  once get one account and, for the second, the same message as the check above.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.models import Council, Invitation, User


class InvitationError(Exception):
    """A plain-English reason why an invitation cannot be created, resent or revoked."""


class InvitationNotUsable(Exception):
    """The link is unknown, already used, expired or revoked; `reason` says which."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_status(invitation: Invitation, *, now: datetime | None = None) -> str:
    """One of "accepted", "revoked", "expired" or "pending", in that order of precedence."""
    now = now or timezone.now()
    if invitation.accepted_at:
        return "accepted"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= now:
        return "expired"
    return "pending"


def _new_invitation(*, user: User, invited_by: User | None) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        invited_by=invited_by,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    return invitation, token


def invitation_refusal(*, council: Council, email: str) -> str | None:
    """Why `email` (lower-cased) cannot be invited to `council`, in words for the officer, or
    None if it can: it already has an account there (active or invited), or in another council."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        return None
    if existing.council_id == council.pk:
        if existing.is_active:
            return (
                f"{email} already has an account for {council}. They can sign in, "
                "or reset their password if they have forgotten it."
            )
        return (
            f"{email} has already been invited to {council}. "
            "To send them a new link, use “Send a new invitation” in the list below."
        )
    return (
        "This email address cannot be invited to this council. "
        "Ask the service administrators for help."
    )


def invitation_create(
    *, council: Council, full_name: str, email: str, invited_by: User | None
) -> tuple[Invitation, str]:
    """
    Create an inactive councillor account and its invitation; return it with the raw token.

    The check gives the plain refusal early; the database's unique email decides a race. When
    another request created the account between the check and the insert, the insert is refused
    and the check, asked again, gives the same message the loser would have seen a moment later.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if reason := invitation_refusal(council=council, email=email):
        raise InvitationError(reason)
    try:
        with transaction.atomic():  # a savepoint too, when the caller has a transaction open
            user = User.objects.create_user(
                email=email,
                password=None,  # unusable until the invitee sets one
                full_name=full_name.strip(),
                council=council,
                role=User.Role.COUNCILLOR,
                is_active=False,
            )
            return _new_invitation(user=user, invited_by=invited_by)
    except IntegrityError as error:
        if reason := invitation_refusal(council=council, email=email):
            raise InvitationError(reason) from error
        raise


def invitation_send(*, invitation: Invitation, token: str, request: HttpRequest) -> None:
    """Email the invitation link (plain text and HTML) to the invitee."""
    user = invitation.user
    context = {
        "service_name": settings.SERVICE_NAME,
        "full_name": user.full_name,
        "council": user.council,
        "inviter": invitation.invited_by.full_name if invitation.invited_by else None,
        "link": request.build_absolute_uri(
            reverse("assessments:accept_invitation", kwargs={"token": token})
        ),
        "expires_at": invitation.expires_at,
    }
    message = EmailMultiAlternatives(
        subject=f"{user.council}: you are invited to use {settings.SERVICE_NAME}",
        body=render_to_string("emails/invitation.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """
    Use an invitation: set the password, activate the account and mark the link used.

    Raises `InvitationNotUsable` for a link that is unknown, used, revoked or expired. The
    conditional update makes a link work once even when two requests race for it.
    """
    invitation = check_invitation_token(token)
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now)
    if not claimed:
        raise InvitationNotUsable(InvitationNotUsable.USED, invitation)
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


def check_invitation_token(token: str) -> Invitation:
    """The invitation for a link's token if it can still be used; else `InvitationNotUsable`."""
    invitation = (
        Invitation.objects.select_related("user__council", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationNotUsable(InvitationNotUsable.UNKNOWN)
    status = invitation_status(invitation)
    if status == "accepted":
        raise InvitationNotUsable(InvitationNotUsable.USED, invitation)
    if status == "revoked":
        raise InvitationNotUsable(InvitationNotUsable.REVOKED, invitation)
    if status == "expired":
        raise InvitationNotUsable(InvitationNotUsable.EXPIRED, invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, invited_by: User | None) -> tuple[Invitation, str]:
    """
    Replace an unused invitation with a new one (a fresh link and expiry date).

    The person's live invitations are revoked before the new one is created, in this one
    transaction, as the database allows one live invitation per person. Resends for one person
    queue on a lock of their account, so two at once each revoke what came before: the second
    link is the one that works, and neither request fails.
    """
    user = invitation.user
    is_active = User.objects.select_for_update().values_list("is_active", flat=True).get(pk=user.pk)
    if is_active:
        raise InvitationError(f"{user.email} has already set a password.")
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return _new_invitation(user=user, invited_by=invited_by)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    """Stop an unused invitation's link from working. The inactive account stays."""
    if invitation.accepted_at:
        raise InvitationError("This invitation has already been used, so it cannot be revoked.")
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
