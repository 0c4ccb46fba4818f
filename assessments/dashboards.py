"""
The officers' dashboard: each councillor of a council with how far they got, never what they
answered, and each of its groups with who has submitted and what to do next.

The privacy rule (PRODUCT.md section 6): an officer sees who was invited, who signed in, who
started and who submitted, never what anyone answered. Nothing here reads `Answer` rows.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments import emails, group_reports, invitations
from assessments.models import (
    Assessment,
    Council,
    CouncillorGroup,
    GroupMembership,
    Invitation,
    User,
)


class ProgressState(models.TextChoices):
    """The furthest step a councillor reached, as their council's officers see it."""

    SUBMITTED = "submitted", gettext_lazy("Submitted")
    DRAFT = "draft", gettext_lazy("Started")
    SIGNED_IN = "signed_in", gettext_lazy("Signed in")
    ACTIVE = "active", gettext_lazy("Account set up")
    PENDING = "pending", gettext_lazy("Invited")
    EXPIRED = "expired", gettext_lazy("Invitation expired")
    REVOKED = "revoked", gettext_lazy("Invitation revoked")
    DEACTIVATED = "deactivated", gettext_lazy("Account deactivated")
    NOT_INVITED = "not_invited", gettext_lazy("Not invited")


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


# --- The council's groups ------------------------------------------------------------------


@dataclass(frozen=True)
class GroupOverview:
    """One group of a council as its officers see it: who has submitted, never what."""

    group: CouncillorGroup
    submitted: list[str]  # members' names, of those with a submitted assessment linked to it
    waiting: list[str]  # members' names, of the others
    minimum: int

    @property
    def member_count(self) -> int:
        return len(self.submitted) + len(self.waiting)

    @property
    def next_step(self) -> group_reports.NextAction:
        """The officer's next action, by the one rule `group_reports.group_next_action` states."""
        return group_reports.group_next_action(
            self.group,
            member_count=self.member_count,
            submitted=len(self.submitted),
            minimum=self.minimum,
        )

    @property
    def next_label(self) -> str:
        step = self.next_step
        if step == group_reports.NextAction.WAIT_OR_REMIND:
            count = len(self.waiting)
            return ngettext("Remind %(count)d member", "Remind %(count)d members", count) % {
                "count": count
            }
        return {
            group_reports.NextAction.ADD_MEMBERS: _("Add members"),
            group_reports.NextAction.SET_DATES: _("Set the meeting date and deadline"),
            group_reports.NextAction.START_DISCUSSION: _("Start the discussion"),
            group_reports.NextAction.RECORD_AGREEMENT: _("Record the agreement"),
            group_reports.NextAction.NONE: _("See the agreed plan"),
        }[step]

    @property
    def next_url(self) -> str:
        name = {
            group_reports.NextAction.ADD_MEMBERS: "assessments:group_members",
            group_reports.NextAction.SET_DATES: "assessments:group_edit",
            group_reports.NextAction.WAIT_OR_REMIND: "assessments:group_remind_members",
            group_reports.NextAction.START_DISCUSSION: "assessments:group_edit",
            group_reports.NextAction.RECORD_AGREEMENT: "assessments:group_report",
            group_reports.NextAction.NONE: "assessments:group_report",
        }[self.next_step]
        return reverse(name, args=[self.group.pk])


def council_groups(council: Council) -> list[GroupOverview]:
    """
    The council's groups with who has submitted for each, in two queries whatever the number
    of groups and members: the groups, and their memberships with whether each member has a
    submitted assessment linked to the group. Names only: nothing here reads an answer.
    """
    groups = list(CouncillorGroup.objects.filter(council=council).order_by("name"))
    if not groups:
        return []
    submitted_for_it = Assessment.objects.filter(
        owner=OuterRef("user"), group=OuterRef("group"), status=Assessment.Status.SUBMITTED
    )
    names: dict[int, tuple[list[str], list[str]]] = {g.pk: ([], []) for g in groups}
    for group_id, name, has_submitted in (
        GroupMembership.objects.filter(group__council=council)
        .annotate(has_submitted=Exists(submitted_for_it))
        .order_by("user__full_name", "user__email")
        .values_list("group_id", "user__full_name", "has_submitted")
    ):
        names[group_id][0 if has_submitted else 1].append(name)
    minimum = group_reports.group_minimum(council)
    return [
        GroupOverview(group=g, submitted=names[g.pk][0], waiting=names[g.pk][1], minimum=minimum)
        for g in groups
    ]


def group_names_by_member(council: Council) -> dict[int, list[str]]:
    """{councillor pk: the names of their groups}, for the council, in one query."""
    names: dict[int, list[str]] = {}
    for user_id, name in (
        GroupMembership.objects.filter(group__council=council)
        .order_by("group__name")
        .values_list("user_id", "group__name")
    ):
        names.setdefault(user_id, []).append(name)
    return names
