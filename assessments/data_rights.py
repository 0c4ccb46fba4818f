"""
People's rights over their own data, and how long the service keeps it.

* `account_data`: everything the service holds about one person, as plain values (the ZIP that
  carries it, with the PDF of each submitted report, is `exports.account_data_zip`).
* `account_delete`: a person deletes their own account (`accounts_delete`, which admins' deletes
  use too). Their assessments, answers, notes and action steps go with it (so their answers
  leave every group's figures and the national overview's counts), as do their group
  memberships and the invitations sent to them. What they did as an officer stays with the
  council, unattributed: invitations they sent, groups they ran and group agreements they
  recorded keep going with `invited_by`, `facilitator` and `updated_by` emptied.
* `purge_plan` / `purge_apply`: the retention rules of the `purge` command (see `PurgePlan`); a
  dry run is the same deletion rolled back, so it reports exactly what `--apply` deletes.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from assessments import overview_counts
from assessments.models import (
    ActionStep,
    Answer,
    Assessment,
    Email,
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
    emails = Email.objects.filter(user=user).order_by("created_at", "pk")
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": _when(timezone.now()),
        "service": gettext(settings.SERVICE_NAME),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "role": user.get_role_display(),
            "council": user.council.name if user.council else None,
            "is_active": user.is_active,
            "reminders_enabled": user.reminders_enabled,
            "language": user.get_language_display() if user.language else None,
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
        "emails_sent": [
            {
                "purpose": email.get_purpose_display(),
                "state": email.get_state_display(),
                "created_at": _when(email.created_at),
                "sent_at": _when(email.sent_at),
                "delivery": email.get_delivery_display() if email.delivery else None,
            }
            for email in emails
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
    accounts_delete(accounts=User.objects.filter(pk=user.pk))


@transaction.atomic
def accounts_delete(*, accounts: QuerySet[User]) -> None:
    """
    Delete accounts with everything that is only theirs, whoever asked (the owner, or an admin
    in the admin). Every deletion of accounts goes through here: their submitted assessments
    leave the national overview's counts in the same transaction.
    """
    overview_counts.overview_counts_forget(
        assessments=Assessment.objects.filter(owner__in=accounts)
    )
    accounts.delete()


# --- Retention -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgePlan:
    """
    What the retention rules remove, as of `cutoff` (now less `DATA_RETENTION_DAYS`).

    1. Accounts nobody has signed in to since the cutoff (or, never signed in, created before
       it), with everything that goes with an account (see `account_delete`). Admins are kept:
       they are removed by hand.
    2. A council's last officer is kept (`last_officers`), even past the cutoff, unless the
       plan was made with `include_last_officers`: a council left with no officer has nobody to
       invite councillors or run its groups until an admin notices, and the account holds
       nothing but a name and an address. The `purge` command says so every time it keeps one,
       so that an admin can invite a new officer and let the old account go. "Last" means the
       council has no other active officer that the plan keeps; of several stale officers of
       such a council, only the one who signed in most recently is kept.
    3. Submitted assessments submitted before the cutoff, and drafts last changed before it,
       with their answers, notes and next steps; and every assessment of an account in rule 1.
    4. Invitations whose link expired before the cutoff, used or not, and every invitation to
       an account in rule 1.
    5. django-axes's records of sign-in attempts made before the cutoff (email addresses and IP
       addresses).
    6. The record of each email made before the cutoff (what was sent to whom, and when), and
       every email of an account in rule 1 or an invitation in rule 4.

    Group names, agreed answers and agreed actions belong to the council and are kept.
    """

    cutoff: datetime
    accounts: QuerySet[User]
    last_officers: tuple[User, ...]
    last_officers_included: bool
    submitted_assessments: QuerySet[Assessment]
    draft_assessments: QuerySet[Assessment]
    invitations: QuerySet[Invitation]
    sign_in_records: tuple[QuerySet, ...]
    emails: QuerySet[Email]


def purge_plan(
    *,
    now: datetime | None = None,
    retention_days: int | None = None,
    include_last_officers: bool = False,
) -> PurgePlan:
    """The retention rules applied to the database as it is now; nothing is changed."""
    now = now or timezone.now()
    if retention_days is None:
        retention_days = settings.DATA_RETENTION_DAYS
    cutoff = now - timedelta(days=retention_days)

    stale = User.objects.filter(is_staff=False, is_superuser=False).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    last_officers = _last_officers(stale)
    accounts = (
        stale if include_last_officers else stale.exclude(pk__in=[o.pk for o in last_officers])
    )
    return PurgePlan(
        cutoff=cutoff,
        accounts=accounts,
        last_officers=tuple(last_officers),
        last_officers_included=include_last_officers,
        submitted_assessments=Assessment.objects.filter(status=Assessment.Status.SUBMITTED).filter(
            Q(submitted_at__lt=cutoff) | Q(owner__in=accounts)
        ),
        draft_assessments=Assessment.objects.filter(status=Assessment.Status.DRAFT).filter(
            Q(updated_at__lt=cutoff) | Q(owner__in=accounts)
        ),
        invitations=Invitation.objects.filter(Q(expires_at__lt=cutoff) | Q(user__in=accounts)),
        sign_in_records=(
            AccessLog.objects.filter(attempt_time__lt=cutoff),
            AccessAttempt.objects.filter(attempt_time__lt=cutoff),
            AccessFailureLog.objects.filter(attempt_time__lt=cutoff),
        ),
        emails=Email.objects.filter(created_at__lt=cutoff),
    )


def _last_officers(stale: QuerySet[User]) -> list[User]:
    """Of the active officers in `stale`, the one to keep for each council that would otherwise
    be left without an active officer: the one who signed in most recently."""
    staying = (
        User.objects.filter(role=User.Role.OFFICER, is_active=True, council__isnull=False)
        .exclude(pk__in=stale)
        .values("council")
    )
    candidates = (
        stale.filter(role=User.Role.OFFICER, is_active=True, council__isnull=False)
        .exclude(council__in=staying)
        .select_related("council")
        .order_by("council__name", F("last_login").desc(nulls_last=True), "-date_joined", "-pk")
    )
    kept: dict[int | None, User] = {}  # by council; every candidate has one
    for officer in candidates:
        kept.setdefault(officer.council_id, officer)
    return list(kept.values())


# The names the purge reports rows under. Assessments are reported as submitted or draft; every
# other model a deletion reaches is reported by its plural name, so nothing is ever deleted
# unreported (a model added later shows up under its own name).
PURGE_LABELS = {
    User: "accounts",
    Answer: "answers",
    ActionStep: "next steps",
    GroupMembership: "group memberships",
    Invitation: "invitations",
    Email: "email records",
}
PURGE_ORDER = [
    "accounts",
    "submitted assessments",
    "draft assessments",
    "answers",
    "next steps",
    "group memberships",
    "invitations",
    "sign-in records",
    "email records",
]


def _purge_label(model_label: str) -> str:
    model = apps.get_model(model_label)
    if model._meta.app_label == "axes":
        return "sign-in records"
    return PURGE_LABELS.get(model, str(model._meta.verbose_name_plural))


def purge_apply(plan: PurgePlan, *, dry_run: bool = False) -> dict[str, int]:
    """
    Carry out a plan and return how many rows it deleted, by what they were (`PURGE_ORDER`
    first, then anything else a deletion reached), zeros included.

    A dry run is the same deletion, rolled back: its numbers are the database's own count of
    what `--apply` would delete at that moment, cascades included, never an estimate that can
    drift from what the deletes really do. (While it runs, the rows it deletes are locked as a
    real purge would lock them; nothing is kept.)
    """
    counts = Counter(dict.fromkeys(PURGE_ORDER, 0))

    def delete(queryset: QuerySet, label: str | None = None) -> None:
        _total, per_model = queryset.delete()
        for model_label, count in per_model.items():
            if label and model_label == queryset.model._meta.label:
                counts[label] += count
            else:
                counts[_purge_label(model_label)] += count

    with transaction.atomic():
        # Out of the overview's counts first. This locks the owner of every assessment that
        # goes, so none of them can submit another before the purge ends.
        overview_counts.overview_counts_forget(
            assessments=Assessment.objects.filter(
                Q(pk__in=plan.submitted_assessments.values("pk")) | Q(owner__in=plan.accounts)
            )
        )
        # Assessments first, so that each is counted as submitted or draft, not as a cascade.
        delete(plan.submitted_assessments, "submitted assessments")
        delete(plan.draft_assessments, "draft assessments")
        delete(plan.invitations)
        delete(plan.accounts)
        for records in plan.sign_in_records:
            delete(records)
        delete(plan.emails)
        if dry_run:
            transaction.set_rollback(True)
    return dict(counts)
