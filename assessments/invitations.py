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
* A list (`invite_many`) is invited line by line under the same rules: a known address or a
  repeated one is reported back, never invited twice.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.models import Council, Invitation, User
from assessments.refusals import Refusal


class InvitationError(Refusal):
    """A plain-English reason why an invitation cannot be created, resent or revoked."""


class InvitationNotUsable(Refusal):
    """
    The link is unknown, already used, expired or revoked; `reason` says which, and the message
    (the reason's label) says it to the person who followed the link.
    """

    class Reason(models.TextChoices):
        UNKNOWN = "unknown", "This invitation link is not valid"
        USED = "used", "This invitation has already been used"
        EXPIRED = "expired", "This invitation has expired"
        REVOKED = "revoked", "This invitation has been withdrawn"

    def __init__(self, reason: Reason, invitation: Invitation | None = None):
        super().__init__(reason.label)
        self.reason = reason
        self.invitation = invitation


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationStatus(models.TextChoices):
    """Where an invitation stands. Not stored: `invitation_status` reads it off the dates."""

    PENDING = "pending", "Sent"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


def invitation_status(invitation: Invitation, *, now: datetime | None = None) -> InvitationStatus:
    """
    Accepted if the link was used; else revoked if withdrawn; else expired once `expires_at` has
    passed; else pending. In that order: a used link stays accepted after its expiry date.
    """
    now = now or timezone.now()
    if invitation.accepted_at:
        return InvitationStatus.ACCEPTED
    if invitation.revoked_at:
        return InvitationStatus.REVOKED
    if invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


def _new_invitation(*, user: User, invited_by: User | None) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        invited_by=invited_by,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    return invitation, token


def existing_account_refusal(user: User, council: Council) -> str:
    """Why an address that already has an account (`user`) cannot be invited to `council`."""
    if user.council_id != council.pk:
        return (
            "This email address cannot be invited to this council. "
            "Ask the service administrators for help."
        )
    if user.is_active:
        return (
            f"{user.email} already has an account for {council}. They can sign in, "
            "or reset their password if they have forgotten it."
        )
    return (
        f"{user.email} has already been invited to {council}. "
        "To send them a new link, use “Send a new invitation” beside their name."
    )


def invitation_refusal(*, council: Council, email: str) -> str | None:
    """Why `email` (lower-cased) cannot be invited to `council`, in words for the officer, or
    None if it can."""
    existing = User.objects.filter(email__iexact=email).first()
    return None if existing is None else existing_account_refusal(existing, council)


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


def invitation_send(*, invitation: Invitation, token: str) -> None:
    """
    Email the invitation link (plain text and HTML) to the invitee. The link starts with
    `settings.SITE_URL`: sending needs no request, so it can move to a background task.
    """
    user = invitation.user
    path = reverse("assessments:accept_invitation", kwargs={"token": token})
    context = {
        "service_name": settings.SERVICE_NAME,
        "full_name": user.full_name,
        "council": user.council,
        "inviter": invitation.invited_by.full_name if invitation.invited_by else None,
        "link": settings.SITE_URL + path,
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
        raise InvitationNotUsable(InvitationNotUsable.Reason.USED, invitation)
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
        raise InvitationNotUsable(InvitationNotUsable.Reason.UNKNOWN)
    status = invitation_status(invitation)
    if status == InvitationStatus.ACCEPTED:
        raise InvitationNotUsable(InvitationNotUsable.Reason.USED, invitation)
    if status == InvitationStatus.REVOKED:
        raise InvitationNotUsable(InvitationNotUsable.Reason.REVOKED, invitation)
    if status == InvitationStatus.EXPIRED:
        raise InvitationNotUsable(InvitationNotUsable.Reason.EXPIRED, invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, invited_by: User | None) -> tuple[Invitation, str]:
    """
    Replace an unused invitation with a new one (a fresh link and expiry date).

    Only a person who has never accepted an invitation can be sent a new one. Accepting
    activates the account, so a new link for someone who once accepted would undo an admin's
    deactivation: a deactivated account stays deactivated until an admin reactivates it.

    The person's live invitations are revoked before the new one is created, in this one
    transaction, as the database allows one live invitation per person. Resends for one person
    queue on a lock of their account, so two at once each revoke what came before: the second
    link is the one that works, and neither request fails.
    """
    user = invitation.user
    is_active = User.objects.select_for_update().values_list("is_active", flat=True).get(pk=user.pk)
    if is_active:
        raise InvitationError(f"{user.email} has already set a password.")
    if Invitation.objects.filter(user=user, accepted_at__isnull=False).exists():
        raise InvitationError(
            f"{user.email} has already accepted an invitation, so a new one cannot be sent. "
            "Their account has been deactivated: only the service administrators can "
            "reactivate it."
        )
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return _new_invitation(user=user, invited_by=invited_by)


def accepted_user_ids(user_ids: set[int]) -> set[int]:
    """Which of these accounts ever accepted an invitation: they are never offered a new one
    (see `invitation_resend`)."""
    return set(
        Invitation.objects.filter(user_id__in=user_ids, accepted_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    """Stop an unused invitation's link from working. The inactive account stays."""
    if invitation.accepted_at:
        raise InvitationError("This invitation has already been used, so it cannot be revoked.")
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- Inviting a list ----------------------------------------------------------------------


@dataclass(frozen=True)
class InviteLine:
    """One person on a pasted or uploaded list, with the line number they were on."""

    line: int
    full_name: str
    email: str


@dataclass(frozen=True)
class LineProblem:
    """A line that was not invited: its text as given, and why, for the officer."""

    line: int
    text: str
    reason: str


@dataclass
class BulkInviteResult:
    invited: list[InviteLine] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    skipped: list[LineProblem] = field(default_factory=list)  # already invited or with an account


def invite_many(
    *,
    council: Council,
    lines: list[InviteLine],
    invited_by: User,
) -> BulkInviteResult:
    """
    Invite every line that is not already known: each address once, in the order given.

    An address with an account (active or only invited) is reported, not invited again; so is
    an address that appears earlier in the same list. Each invitation is created and emailed on
    its own, so one failure never holds back the others.
    """
    result = BulkInviteResult()
    emails = {line.email for line in lines}
    existing = {
        user.email: user
        for user in User.objects.filter(email__in=emails).only("email", "council_id", "is_active")
    }
    first_line: dict[str, int] = {}
    for line in lines:
        text = f"{line.full_name}, {line.email}"
        if line.email in first_line:
            result.skipped.append(
                LineProblem(
                    line.line, text, f"The same email address is on line {first_line[line.email]}."
                )
            )
            continue
        first_line[line.email] = line.line
        user = existing.get(line.email)
        if user is not None:
            result.skipped.append(
                LineProblem(line.line, text, existing_account_refusal(user, council))
            )
            continue
        try:
            invitation, token = invitation_create(
                council=council, full_name=line.full_name, email=line.email, invited_by=invited_by
            )
        except InvitationError as error:
            # Someone invited the same address a moment ago.
            result.skipped.append(LineProblem(line.line, text, str(error)))
            continue
        invitation_send(invitation=invitation, token=token)
        result.invited.append(line)
    return result
