"""
What officers and admins see of councillors, and what councillors choose to share with them.

The privacy rule (PRODUCT.md section 6): an officer sees who was invited, who signed in, who
started and who submitted, never what anyone answered. An individual's report reaches the
officers of their council only while its author shares it. Nothing here reads `Answer` rows for
the officers' dashboard; the national overview reads answers only as counts, and only from
councils with at least `settings.GROUP_MIN_RESPONSES` councillors who submitted.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from assessments import invitations
from assessments.models import (
    Answer,
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    Council,
    Invitation,
    Question,
    User,
)

# --- The officers' dashboard ---------------------------------------------------------------


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


# --- Sharing -------------------------------------------------------------------------------


class SharingError(Exception):
    """A plain-English reason why a report cannot be shared."""


def report_share(*, assessment: Assessment) -> None:
    """Share a submitted report with the officers of its author's council."""
    if not assessment.is_submitted:
        raise SharingError("Only a submitted assessment can be shared.")
    if assessment.owner.council_id is None:
        raise SharingError(
            "Your account is not linked to a council, so there are no officers to share with."
        )
    if assessment.shared_at is None:
        assessment.shared_at = timezone.now()
        assessment.save(update_fields=["shared_at"])


def report_withdraw(*, assessment: Assessment) -> None:
    """Stop sharing: officers can no longer open the report."""
    if assessment.shared_at is not None:
        assessment.shared_at = None
        assessment.save(update_fields=["shared_at"])


def shared_reports(council: Council) -> QuerySet[Assessment]:
    """Submitted reports shared by councillors who are members of the council now."""
    return Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED,
        shared_at__isnull=False,
        owner__council=council,
        owner__role=User.Role.COUNCILLOR,
    ).select_related("owner__council", "checklist")


# --- Bulk invitations ----------------------------------------------------------------------


@dataclass(frozen=True)
class InviteLine:
    line: int
    full_name: str
    email: str


@dataclass(frozen=True)
class LineProblem:
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
    request: HttpRequest,
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
            result.skipped.append(LineProblem(line.line, text, _known_address(user, council)))
            continue
        try:
            invitation, token = invitations.invitation_create(
                council=council, full_name=line.full_name, email=line.email, invited_by=invited_by
            )
        except invitations.InvitationError as error:
            # Someone invited the same address a moment ago.
            result.skipped.append(LineProblem(line.line, text, str(error)))
            continue
        invitations.invitation_send(invitation=invitation, token=token, request=request)
        result.invited.append(line)
    return result


def _known_address(user: User, council: Council) -> str:
    if user.council_id != council.pk:
        return "This email address cannot be invited to this council. Ask the service administrators for help."
    if user.is_active:
        return "They already have an account. They can sign in, or reset their password."
    return "They have already been invited. To send a new link, use “Send a new invitation” on the dashboard."


# --- The national overview -----------------------------------------------------------------


@dataclass(frozen=True)
class OptionShare:
    option: AnswerOption
    count: int
    percentage: int


@dataclass(frozen=True)
class QuestionSpread:
    question: Question
    total: int
    shares: tuple[OptionShare, ...]


@dataclass(frozen=True)
class AreaSpread:
    area: Area
    questions: tuple[QuestionSpread, ...]


@dataclass(frozen=True)
class Overview:
    checklist: ChecklistVersion | None
    options: tuple[AnswerOption, ...]
    areas: tuple[AreaSpread, ...]
    councils_included: int
    councils_excluded: int
    assessments_counted: int
    min_responses: int


def national_overview() -> Overview:
    """
    Across all councils, how submitted assessments answered each key action.

    Counted in the database, in seven queries whatever the amount of data: per council, how many
    councillors submitted (councils below `GROUP_MIN_RESPONSES` are left out, so no council's
    figures can point to a few people); per question code and answer code, how many answers
    came from the councils kept (the same per-council query, with HAVING, as a subquery); and
    the published checklist, its answer scale and its questions to lay them out. Every submitted assessment counts, a councillor's earlier ones included;
    answers match the published checklist by their stable codes.
    """
    minimum = settings.GROUP_MIN_RESPONSES
    submitted = Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, owner__council__isnull=False
    )
    per_council = (
        submitted.order_by()
        .values("owner__council")
        .annotate(people=Count("owner", distinct=True), assessments=Count("pk"))
    )
    included = 0
    excluded = 0
    assessments_counted = 0
    for row in per_council:
        if row["people"] >= minimum:
            included += 1
            assessments_counted += row["assessments"]
        else:
            excluded += 1
    eligible = per_council.filter(people__gte=minimum).values("owner__council")
    # Grouped by the answer's own foreign keys, so the 400,000-row scan joins only what the
    # filter needs; ids become codes below, across every checklist version, in two small queries.
    by_ids = list(
        Answer.objects.filter(
            assessment__status=Assessment.Status.SUBMITTED,
            assessment__owner__council__in=eligible,
            option__isnull=False,
        )
        .order_by()
        .values_list("question_id", "option_id")
        .annotate(n=Count("pk"))
    )
    question_codes = dict(
        Question.objects.filter(pk__in={q for q, _, _ in by_ids}).values_list("pk", "code")
    )
    option_codes = dict(
        AnswerOption.objects.filter(pk__in={o for _, o, _ in by_ids}).values_list("pk", "code")
    )
    counts: defaultdict[tuple[str, str], int] = defaultdict(int)
    for question_id, option_id, n in by_ids:
        counts[question_codes[question_id], option_codes[option_id]] += n

    checklist = ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()
    if checklist is None:
        return Overview(None, (), (), included, excluded, assessments_counted, minimum)
    options = tuple(AnswerOption.objects.filter(checklist=checklist).order_by("order"))
    by_area = defaultdict(list)
    areas = {}
    for question in Question.objects.filter(area__checklist=checklist).select_related("area"):
        row_counts = [counts.get((question.code, option.code), 0) for option in options]
        total = sum(row_counts)
        shares = tuple(
            OptionShare(option, n, round(100 * n / total) if total else 0)
            for option, n in zip(options, row_counts, strict=True)
        )
        by_area[question.area_id].append(QuestionSpread(question, total, shares))
        areas[question.area_id] = question.area
    area_rows = tuple(
        AreaSpread(area, tuple(by_area[area.pk]))
        for area in sorted(areas.values(), key=lambda a: a.order)
    )
    return Overview(checklist, options, area_rows, included, excluded, assessments_counted, minimum)
