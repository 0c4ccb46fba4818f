"""
The officers' dashboard: each councillor of a council with how far they got, never what they answered.

The privacy rule (PRODUCT.md section 6): an officer sees who was invited, who signed in, who
started and who submitted, never what anyone answered. Nothing here reads `Answer` rows.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils import timezone

from assessments import emails, invitations
from assessments.models import Assessment, Council, Invitation, User


class ProgressState(models.TextChoices):
    """The furthest step a councillor reached, as their council's officers see it."""

    SUBMITTED = "submitted", "Submitted"
    DRAFT = "draft", "Started"
    SIGNED_IN = "signed_in", "Signed in"
    ACTIVE = "active", "Account set up"
    PENDING = "pending", "Invited"
    EXPIRED = "expired", "Invitation expired"
    REVOKED = "revoked", "Invitation revoked"
    DEACTIVATED = "deactivated", "Account deactivated"
    NOT_INVITED = "not_invited", "Not invited"


# An inactive account's state follows its latest invitation. An accepted invitation on an
# inactive account means an admin switched the account off.
_STATE_OF_INVITATION = {
    invitations.InvitationStatus.PENDING: ProgressState.PENDING,
    invitations.InvitationStatus.EXPIRED: ProgressState.EXPIRED,
    invitations.InvitationStatus.REVOKED: ProgressState.REVOKED,
    invitations.InvitationStatus.ACCEPTED: ProgressState.DEACTIVATED,
}


@dataclass
class CouncillorRow:
    """One councillor as their council's officers see them: progress, never answers."""

    user: User
    invitation: Invitation | None = None
    invitation_status: invitations.InvitationStatus | None = None
    invitation_email: emails.EmailStatus | None = None  # the latest invitation's
    accepted_an_invitation: bool = False  # at any time; then never offered a new one
    draft_started: datetime | None = None
    submitted: list[Assessment] = field(default_factory=list)  # newest first

    @property
    def last_submitted(self) -> Assessment | None:
        return self.submitted[0] if self.submitted else None

    @property
    def shared(self) -> list[Assessment]:
        return [a for a in self.submitted if a.shared_at]

    @property
    def state(self) -> ProgressState:
        """The furthest step reached: submitted, then a draft, then the account, then the invitation."""
        if self.submitted:
            return ProgressState.SUBMITTED
        if self.draft_started:
            return ProgressState.DRAFT
        if self.user.is_active:
            return ProgressState.SIGNED_IN if self.user.last_login else ProgressState.ACTIVE
        if self.invitation_status is None:
            return ProgressState.NOT_INVITED
        return _STATE_OF_INVITATION[self.invitation_status]

    @property
    def can_resend(self) -> bool:
        # As `invitation_resend` decides: an account that was activated and then deactivated
        # waits for an admin.
        return (
            self.invitation is not None
            and not self.user.is_active
            and not self.accepted_an_invitation
        )

    @property
    def can_revoke(self) -> bool:
        return self.invitation_status == invitations.InvitationStatus.PENDING


def council_councillors(council: Council) -> list[CouncillorRow]:
    """
    Every councillor of the council with their progress, in four queries whatever their number:
    the councillors, their invitations, their latest invitations' emails, and their
    assessments' dates (no answers).
    """
    users = list(
        User.objects.filter(council=council, role=User.Role.COUNCILLOR).order_by(
            "full_name", "email"
        )
    )
    rows = {user.pk: CouncillorRow(user=user) for user in users}
    now = timezone.now()
    for invitation in Invitation.objects.filter(user__in=users).order_by("user_id", "created_at"):
        # Ordered oldest first, so the latest invitation of each person is the one kept.
        row = rows[invitation.user_id]
        row.invitation = invitation
        row.invitation_status = invitations.invitation_status(invitation, now=now)
        row.accepted_an_invitation |= invitation.accepted_at is not None
    latest = [row.invitation.pk for row in rows.values() if row.invitation]
    invitation_emails = invitations.invitation_emails(latest) if latest else {}
    for row in rows.values():
        if row.invitation:
            row.invitation_email = invitation_emails.get(row.invitation.pk)
    for assessment in (
        Assessment.objects.filter(owner__in=users)
        .only("pk", "owner_id", "status", "created_at", "submitted_at", "shared_at")
        .order_by("-submitted_at", "-pk")
    ):
        row = rows[assessment.owner_id]
        if assessment.is_draft:
            row.draft_started = assessment.created_at
        else:
            row.submitted.append(assessment)
    return list(rows.values())


def progress_counts(rows: list[CouncillorRow]) -> dict[str, int]:
    """How many councillors reached each step, for the summary above the list."""
    counts = dict.fromkeys([*ProgressState, "shared"], 0)
    for row in rows:
        counts[row.state] += 1
        counts["shared"] += bool(row.shared)
    counts["not_started"] = counts[ProgressState.SIGNED_IN] + counts[ProgressState.ACTIVE]
    counts["invited"] = (
        counts[ProgressState.PENDING]
        + counts[ProgressState.EXPIRED]
        + counts[ProgressState.REVOKED]
    )
    counts["total"] = len(rows)
    return counts
