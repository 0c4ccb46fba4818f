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
* A list (`invite_many`) is invited under the same rules: a known address or a repeated one
  is reported back, never invited twice. The new lines' accounts, invitations and emails are
  made in one insert each, so a list of 500 is one quick request; if the database refuses one
  (an address invited by someone else meanwhile), the list is invited a line at a time, that
  line refused with the message above.
* Email never waits in the officer's request. Making an invitation records its email (an
  `Email` row, "invitation:<pk>") in the same transaction, and a background task sends it once
  that commits (`assessments.emails`): the page answers at once, whatever the mail server is
  doing, and the officer sees the email's state beside the person (queued, sent, trying again,
  gave up; delivered or not, from GOV.UK Notify).
* No raw token waits in the queue. The invitation is made with the hash of a token nobody is
  told; the task, at the moment of sending, makes a fresh token and replaces the hash, only while
  the invitation is still live (not used, revoked or expired; otherwise the email is cancelled).
  A retry makes another, so only the link in the email that went works.
* "Send again" (after the email gave up or was not delivered) is a resend: a new invitation, a
  new link and a new email, as "Send a new invitation" is.
* A list is all or nothing in the database: every line's account, invitation and email are
  created in one transaction, and the emails are sent only after it commits. A list that fails
  part way changes nothing and queues nothing.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import emails
from assessments.access_log import audit_access
from assessments.models import AccessEvent, Council, Email, Invitation, User
from assessments.refusals import Refusal


class InvitationError(Refusal):
    """A plain-English reason why an invitation cannot be created, resent or revoked."""


class InvitationNotUsable(Refusal):
    """
    The link is unknown, already used, expired or revoked; `reason` says which, and the message
    (the reason's label) says it to the person who followed the link.
    """

    class Reason(models.TextChoices):
        UNKNOWN = "unknown", _("This invitation link is not valid")
        USED = "used", _("This invitation has already been used")
        EXPIRED = "expired", _("This invitation has expired")
        REVOKED = "revoked", _("This invitation has been withdrawn")

    def __init__(self, reason: Reason, invitation: Invitation | None = None):
        super().__init__(reason.label)
        self.reason = reason
        self.invitation = invitation


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationStatus(models.TextChoices):
    """Where an invitation stands. Not stored: `invitation_status` reads it off the dates."""

    PENDING = "pending", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


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


def invitation_email_key(invitation: Invitation) -> str:
    """The once-only key of an invitation's email: each invitation is emailed once."""
    return f"invitation:{invitation.pk}"


def _new_invitation(*, user: User, invited_by: User | None) -> Invitation:
    """The invitation and its queued email. Its token is never told to anyone: the email's task
    makes the link's token when it sends (`_invitation_message`)."""
    invitation = Invitation.objects.create(
        user=user,
        invited_by=invited_by,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    emails.email_queue(
        purpose=Email.Purpose.INVITATION,
        user=user,
        key=invitation_email_key(invitation),
        invitation=invitation,
    )
    audit_access(
        action=AccessEvent.Action.INVITATION_SENT,
        actor=invited_by,
        subject=user,
        details={"invitation": invitation.pk},
    )
    return invitation


def _live(now: datetime) -> Q:
    return Q(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


@emails.message_builder(Email.Purpose.INVITATION)
def _invitation_message(email: Email) -> emails.OutgoingMessage | None:
    """
    The invitation email, with a link made now: a fresh token whose hash replaces the stored
    one, written only while the invitation is live. None (cancelled) for an invitation used,
    revoked or expired before its email went.
    """
    assert email.invitation_id is not None  # an invitation's email names it (a constraint)
    token = secrets.token_urlsafe(32)
    live = Invitation.objects.filter(_live(timezone.now()), pk=email.invitation_id)
    if not live.update(token_hash=hash_token(token)):
        return None
    invitation = Invitation.objects.select_related("user__council", "invited_by").get(
        pk=email.invitation_id
    )
    user = invitation.user
    link = emails.site_link("assessments:accept_invitation", token=token)
    inviter = invitation.invited_by.full_name if invitation.invited_by else ""
    expires = timezone.localtime(invitation.expires_at)
    return emails.render_message(
        Email.Purpose.INVITATION,
        {
            "full_name": user.full_name,
            "council": user.council,
            "inviter": inviter,
            "link": link,
            "expires_at": expires,
        },
        user=user,
        notify_personalisation={
            "full_name": user.full_name,
            "council": str(user.council),
            "inviter": inviter,
            "link": link,
            "expires": emails.long_date(expires, time=True),
        },
    )


def existing_account_refusal(user: User, council: Council, *, email_failed: bool = False) -> str:
    """
    Why an address that already has an account (`user`) cannot be invited to `council`.
    `email_failed` says that the person's live invitation was never emailed, so the way forward
    is "Send again", not a second invitation.
    """
    if user.council_id != council.pk:
        return gettext(
            "This email address cannot be invited to this council. "
            "Ask the service administrators for help."
        )
    names = {"email": user.email, "council": council}
    if user.is_active:
        return (
            gettext(
                "%(email)s already has an account for %(council)s. They can sign in, "
                "or reset their password if they have forgotten it."
            )
            % names
        )
    if email_failed:
        return (
            gettext(
                "%(email)s has already been invited to %(council)s, but the email could not be "
                "sent. Use “Send again” beside their name."
            )
            % names
        )
    return (
        gettext(
            "%(email)s has already been invited to %(council)s. "
            "To send them a new link, use “Send a new invitation” beside their name."
        )
        % names
    )


def _live_invitation_email_failed(users: list[User]) -> set[int]:
    """The ids of those `users` whose live invitation's email gave up or was not delivered."""
    return set(
        Invitation.objects.filter(
            emails.failed_emails(prefix="emails__"),
            user__in=users,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).values_list("user_id", flat=True)
    )


def invitation_refusal(*, council: Council, email: str) -> str | None:
    """Why `email` (lower-cased) cannot be invited to `council`, in words for the officer, or
    None if it can."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        return None
    failed = not existing.is_active and bool(_live_invitation_email_failed([existing]))
    return existing_account_refusal(existing, council, email_failed=failed)


def invitation_create(
    *, council: Council, full_name: str, email: str, invited_by: User | None
) -> Invitation:
    """
    Create an inactive councillor account and its invitation, and queue the invitation's email
    (sent once the caller's transaction commits).

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
    audit_access(
        action=AccessEvent.Action.INVITATION_ACCEPTED,
        actor=user,
        subject=user,
        details={"invitation": invitation.pk, "is_active": {"old": False, "new": True}},
    )
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
def invitation_resend(*, invitation: Invitation, invited_by: User | None) -> Invitation:
    """
    Replace an unused invitation with a new one (a fresh link, expiry date and email). An email
    of the old one still waiting is cancelled when its turn comes: that invitation is revoked.

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
        raise InvitationError(
            gettext("%(email)s has already set a password.") % {"email": user.email}
        )
    if Invitation.objects.filter(user=user, accepted_at__isnull=False).exists():
        raise InvitationError(
            gettext(
                "%(email)s has already accepted an invitation, so a new one cannot be sent. "
                "Their account has been deactivated: only the service administrators can "
                "reactivate it."
            )
            % {"email": user.email}
        )
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    return _new_invitation(user=user, invited_by=invited_by)


def invitation_emails(invitation_ids: list[int]) -> dict[int, emails.EmailStatus]:
    """How each of these invitations' email stands, by invitation id, in one query. (One email
    per invitation; were there more, the latest would be the one shown.)"""
    rows = Email.objects.filter(
        purpose=Email.Purpose.INVITATION, invitation_id__in=invitation_ids
    ).order_by("created_at", "pk")
    return {row.invitation_id: emails.email_status(row) for row in rows if row.invitation_id}


def accepted_user_ids(user_ids: set[int]) -> set[int]:
    """Which of these accounts ever accepted an invitation: they are never offered a new one
    (see `invitation_resend`)."""
    return set(
        Invitation.objects.filter(user_id__in=user_ids, accepted_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User | None = None) -> None:
    """Stop an unused invitation's link from working. The inactive account stays."""
    if invitation.accepted_at:
        raise InvitationError(
            gettext("This invitation has already been used, so it cannot be revoked.")
        )
    revoked = Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:  # a double click revokes (and is recorded) once
        audit_access(
            action=AccessEvent.Action.INVITATION_REVOKED,
            actor=by,
            subject=invitation.user,
            details={"invitation": invitation.pk},
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


@dataclass(frozen=True)
class InvitedLine:
    """A line that was invited: its email is queued."""

    line: int
    full_name: str
    email: str


@dataclass
class BulkInviteResult:
    invited: list[InvitedLine] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    skipped: list[LineProblem] = field(default_factory=list)  # already invited or with an account


def invite_many(
    *,
    council: Council,
    lines: list[InviteLine],
    invited_by: User,
) -> BulkInviteResult:
    """
    Invite every line that is not already known: each address once, in the order given, each
    invitation's email queued; report every line's outcome.

    An address with an account (active or only invited) is reported, not invited again; so is
    an address that appears earlier in the same list. All the accounts, invitations and emails
    are made in one transaction, so a list that fails part way changes nothing and queues no
    email. Nothing here speaks to the mail server: the emails' tasks send them after the
    transaction commits, one by one, each retried on its own.
    """
    result = BulkInviteResult()
    emails = {line.email for line in lines}
    existing = {
        user.email: user
        for user in User.objects.filter(email__in=emails).only("email", "council_id", "is_active")
    }
    email_failed = _live_invitation_email_failed(list(existing.values())) if existing else set()
    first_line: dict[str, int] = {}
    new: list[InviteLine] = []
    with transaction.atomic():
        for line in lines:
            text = f"{line.full_name}, {line.email}"
            if line.email in first_line:
                result.skipped.append(
                    LineProblem(
                        line.line,
                        text,
                        gettext("The same email address is on line %(number)d.")
                        % {"number": first_line[line.email]},
                    )
                )
                continue
            first_line[line.email] = line.line
            user = existing.get(line.email)
            if user is not None:
                refusal = existing_account_refusal(
                    user, council, email_failed=user.pk in email_failed
                )
                result.skipped.append(LineProblem(line.line, text, refusal))
                continue
            new.append(line)
        try:
            with transaction.atomic():  # a savepoint: on a race, the lines are tried one by one
                _invite_all(council=council, lines=new, invited_by=invited_by)
        except IntegrityError:
            # Someone invited one of these addresses a moment ago: line by line, that one is
            # refused with the same message as the check above, and the rest are invited.
            new = _invite_each(council=council, lines=new, invited_by=invited_by, result=result)
    result.invited = [InvitedLine(line.line, line.full_name, line.email) for line in new]
    return result


def _invite_all(*, council: Council, lines: list[InviteLine], invited_by: User) -> None:
    """Every line's account, invitation and email in three inserts (a 500-line list is then
    one quick request, not 4,500 queries); the unique email refuses any address taken."""
    unusable = make_password(None)  # as `create_user(password=None)` sets it
    users = User.objects.bulk_create(
        User(
            email=User.objects.normalize_email(line.email).strip().lower(),
            password=unusable,
            full_name=line.full_name.strip(),
            council=council,
            role=User.Role.COUNCILLOR,
            is_active=False,
        )
        for line in lines
    )
    expires_at = timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    made = Invitation.objects.bulk_create(
        Invitation(
            user=user,
            invited_by=invited_by,
            token_hash=hash_token(secrets.token_urlsafe(32)),
            expires_at=expires_at,
        )
        for user in users
    )
    emails.email_queue_many(
        purpose=Email.Purpose.INVITATION,
        invitations={invitation_email_key(invitation): invitation for invitation in made},
    )
    # The trail in one insert too (as `audit_access` would write each).
    AccessEvent.objects.bulk_create(
        AccessEvent(
            action=AccessEvent.Action.INVITATION_SENT,
            actor=invited_by,
            subject=invitation.user,
            council=council,
            details={"invitation": invitation.pk},
        )
        for invitation in made
    )


def _invite_each(
    *, council: Council, lines: list[InviteLine], invited_by: User, result: BulkInviteResult
) -> list[InviteLine]:
    """The lines invited one at a time, those refused reported in `result`; the invited ones."""
    invited = []
    for line in lines:
        try:
            invitation_create(
                council=council, full_name=line.full_name, email=line.email, invited_by=invited_by
            )
        except InvitationError as error:
            result.skipped.append(
                LineProblem(line.line, f"{line.full_name}, {line.email}", str(error))
            )
            continue
        invited.append(line)
    return invited
