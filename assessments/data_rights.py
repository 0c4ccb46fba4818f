"""
People's rights over their own data, and how long the service keeps it.

* `account_data`: everything the service holds about one person, as plain values (the ZIP that
  carries it, with the PDF of each submitted report, is `exports.account_data_zip`).
* `account_delete`: a person deletes their own account. Their assessments, answers, notes and
  action steps go with it (so their answers leave every group's figures), as do their group
  memberships and the invitations sent to them. What they did as an officer stays with the
  council, unattributed: invitations they sent, groups they ran and group agreements they
  recorded keep going with `invited_by`, `facilitator` and `updated_by` emptied.
* `purge_plan` / `purge_apply`: the retention rules of the `purge` command (see `PurgePlan`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from assessments.models import (
    ActionStep,
    Answer,
    Assessment,
    GroupMembership,
    Invitation,
    User,
)

EXPORT_FORMAT_VERSION = 1


# --- Download ------------------------------------------------------------------------------


def account_data(user: User) -> dict:
    """Everything held about `user`, as plain JSON-ready values."""
    assessments = (
        Assessment.objects.filter(owner=user)
        .select_related("checklist", "group")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related(
                    "question__area", "option", "action_step"
                ).order_by("question__area__order", "question__order"),
            )
        )
        .order_by("created_at", "pk")
    )
    memberships = (
        GroupMembership.objects.filter(user=user)
        .select_related("group__council")
        .order_by("added_at", "pk")
    )
    invitations = Invitation.objects.filter(user=user).order_by("created_at", "pk")
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": _when(timezone.now()),
        "service": settings.SERVICE_NAME,
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "role": user.get_role_display(),
            "council": user.council.name if user.council else None,
            "is_active": user.is_active,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "invitations_received": [
            {
                "created_at": _when(invitation.created_at),
                "expires_at": _when(invitation.expires_at),
                "accepted_at": _when(invitation.accepted_at),
                "revoked_at": _when(invitation.revoked_at),
            }
            for invitation in invitations
        ],
        "group_memberships": [
            {
                "group": membership.group.name,
                "council": membership.group.council.name,
                "group_status": membership.group.get_status_display(),
                "added_at": _when(membership.added_at),
            }
            for membership in memberships
        ],
        "assessments": [_assessment_data(assessment) for assessment in assessments],
    }


def _assessment_data(assessment: Assessment) -> dict:
    return {
        "id": assessment.pk,
        "status": assessment.get_status_display(),
        "checklist_version": assessment.checklist.number,
        "checklist_title": assessment.checklist.title,
        "created_at": _when(assessment.created_at),
        "updated_at": _when(assessment.updated_at),
        "submitted_at": _when(assessment.submitted_at),
        "prefilled_from_assessment": assessment.previous_id,
        "group": assessment.group.name if assessment.group else None,
        "shared_with_officers": assessment.shared_at is not None,
        "shared_at": _when(assessment.shared_at),
        "answers": [_answer_data(answer) for answer in assessment.answers.all()],
    }


def _answer_data(answer: Answer) -> dict:
    question = answer.question
    try:
        step = answer.action_step
    except ActionStep.DoesNotExist:
        step = None
    return {
        "area": question.area.title,
        "question_code": question.code,
        "question": question.text,
        "answer_code": answer.option.code if answer.option else None,
        "answer": answer.option.label if answer.option else None,
        "note": answer.note,
        "confirmed": answer.confirmed,
        "updated_at": _when(answer.updated_at),
        "action_step": None
        if step is None
        else {
            "what": step.what,
            "lead": step.lead,
            "due_date": step.due_date.isoformat() if step.due_date else None,
            "reported_to": step.reported_to,
            "updated_at": _when(step.updated_at),
        },
    }


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- Deleting an account -------------------------------------------------------------------


def can_delete_own_account(user: User) -> bool:
    """Admins are removed by another admin, so that the service is never left without one."""
    return not user.is_staff and not user.is_superuser


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete the account and everything that is only theirs (see the module docstring)."""
    if not can_delete_own_account(user):
        raise PermissionDenied("Admins' accounts are removed by another admin.")
    user.delete()


# --- Retention -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgePlan:
    """
    What the retention rules remove, as of `cutoff` (now less `DATA_RETENTION_DAYS`).

    1. Accounts nobody has signed in to since the cutoff (or, never signed in, created before
       it), with everything that goes with an account (see `account_delete`). Admins are kept:
       they are removed by hand.
    2. Of the accounts that stay: submitted assessments submitted before the cutoff, and
       drafts last changed before it, with their answers, notes and action steps.
    3. Invitations whose link expired before the cutoff, used or not: the account they made
       is kept (or purged) by rule 1; the record of the link is no longer needed.
    4. django-axes's records of sign-in attempts made before the cutoff (email addresses and IP
       addresses).

    Group names, agreed answers and agreed actions belong to the council and are kept.
    """

    cutoff: datetime
    accounts: QuerySet[User]
    submitted_assessments: QuerySet[Assessment]
    draft_assessments: QuerySet[Assessment]
    invitations: QuerySet[Invitation]
    sign_in_records: tuple[QuerySet, ...]

    def counts(self) -> dict[str, int]:
        return {
            "accounts": self.accounts.count(),
            "submitted assessments": self.submitted_assessments.count(),
            "draft assessments": self.draft_assessments.count(),
            "invitations": self.invitations.count(),
            "sign-in records": sum(records.count() for records in self.sign_in_records),
        }


def purge_plan(*, now: datetime | None = None, retention_days: int | None = None) -> PurgePlan:
    """The retention rules applied to the database as it is now; nothing is changed."""
    now = now or timezone.now()
    if retention_days is None:
        retention_days = settings.DATA_RETENTION_DAYS
    cutoff = now - timedelta(days=retention_days)

    accounts = User.objects.filter(is_staff=False, is_superuser=False).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    kept = Assessment.objects.exclude(owner__in=accounts)
    return PurgePlan(
        cutoff=cutoff,
        accounts=accounts,
        submitted_assessments=kept.filter(
            status=Assessment.Status.SUBMITTED, submitted_at__lt=cutoff
        ),
        draft_assessments=kept.filter(status=Assessment.Status.DRAFT, updated_at__lt=cutoff),
        invitations=Invitation.objects.exclude(user__in=accounts).filter(expires_at__lt=cutoff),
        sign_in_records=(
            AccessLog.objects.filter(attempt_time__lt=cutoff),
            AccessAttempt.objects.filter(attempt_time__lt=cutoff),
            AccessFailureLog.objects.filter(attempt_time__lt=cutoff),
        ),
    )


@transaction.atomic
def purge_apply(plan: PurgePlan) -> dict[str, int]:
    """Carry out a plan; returns the counts it removed (as `plan.counts()` gave them)."""
    counts = plan.counts()
    # Assessments first: deleting an account deletes its own, which are not counted above.
    plan.submitted_assessments.delete()
    plan.draft_assessments.delete()
    plan.invitations.delete()
    plan.accounts.delete()
    for records in plan.sign_in_records:
        records.delete()
    return counts
