"""
Sharing: a councillor lets the officers of their council read one submitted report.

An individual's report reaches the officers of their council only while its author shares it
(PRODUCT.md section 6), and only while the author is a councillor of that council.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import exports
from assessments.access_log import audit_access
from assessments.models import AccessEvent, Assessment, Council, User
from assessments.refusals import Refusal


class SharingError(Refusal):
    """A plain-English reason why a report cannot be shared."""


@transaction.atomic
def report_share(*, assessment: Assessment) -> None:
    """Share a submitted report with the officers of its author's council. Its PDF is rendered
    into the cache by a task (if it is not there already), ready for the officers."""
    if not assessment.is_submitted:
        raise SharingError(_("Only a submitted assessment can be shared."))
    if assessment.owner.council_id is None:
        raise SharingError(
            _("Your account is not linked to a council, so there are no officers to share with.")
        )
    # One conditional update, so a double click shares (and is recorded) once.
    now = timezone.now()
    if Assessment.objects.filter(pk=assessment.pk, shared_at__isnull=True).update(shared_at=now):
        assessment.shared_at = now
        _audit_sharing(assessment, AccessEvent.Action.REPORT_SHARED)
        exports.report_pdf_warm_on_commit(assessment.pk)


@transaction.atomic
def report_withdraw(*, assessment: Assessment) -> None:
    """Stop sharing: officers can no longer open the report."""
    if Assessment.objects.filter(pk=assessment.pk, shared_at__isnull=False).update(shared_at=None):
        assessment.shared_at = None
        _audit_sharing(assessment, AccessEvent.Action.REPORT_WITHDRAWN)


def _audit_sharing(assessment: Assessment, action: AccessEvent.Action) -> None:
    # Only the author shares or withdraws their report; the trail names the report, not its
    # answers.
    audit_access(
        action=action,
        actor=assessment.owner,
        subject=assessment.owner,
        details={"assessment": assessment.pk},
    )


def shared_reports(council: Council) -> QuerySet[Assessment]:
    """Submitted reports shared by councillors who are members of the council now."""
    return Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED,
        shared_at__isnull=False,
        owner__council=council,
        owner__role=User.Role.COUNCILLOR,
    ).select_related("owner__council", "checklist")
