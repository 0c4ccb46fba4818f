"""
The officers' dashboard: each councillor of a council with how far they got, never what they answered.

The privacy rule (PRODUCT.md section 6): an officer sees who was invited, who signed in, who
started and who submitted, never what anyone answered. Nothing here reads `Answer` rows.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from assessments import invitations
from assessments.models import Assessment, Council, Invitation, User


@dataclass
class CouncillorRow:
    """One councillor as their council's officers see them: progress, never answers."""

    user: User
    invitation: Invitation | None = None
    invitation_status: str | None = None
    draft_started: datetime | None = None
    submitted: list[Assessment] = field(default_factory=list)  # newest first

    @property
    def last_submitted(self) -> Assessment | None:
        return self.submitted[0] if self.submitted else None

    @property
    def shared(self) -> list[Assessment]:
        return [a for a in self.submitted if a.shared_at]

    @property
    def state(self) -> str:
        """The furthest step reached: submitted, draft, signed_in, invited, expired, revoked."""
        if self.submitted:
            return "submitted"
        if self.draft_started:
            return "draft"
        if self.user.is_active:
            return "signed_in" if self.user.last_login else "active"
        return self.invitation_status or "not_invited"

    @property
    def can_resend(self) -> bool:
        return self.invitation is not None and not self.user.is_active

    @property
    def can_revoke(self) -> bool:
        return self.invitation_status == "pending"


def council_councillors(council: Council) -> list[CouncillorRow]:
    """
    Every councillor of the council with their progress, in three queries whatever their number:
    the councillors, their latest invitations, and their assessments' dates (no answers).
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
    states = ["submitted", "draft", "signed_in", "active", "pending", "expired", "revoked"]
    counts = dict.fromkeys([*states, "not_invited", "shared"], 0)
    for row in rows:
        counts[row.state] += 1
        counts["shared"] += bool(row.shared)
    counts["not_started"] = counts["signed_in"] + counts["active"]
    counts["invited"] = counts["pending"] + counts["expired"] + counts["revoked"]
    counts["total"] = len(rows)
    return counts
