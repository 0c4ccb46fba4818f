"""
Sharing: a councillor lets the officers of their council read one submitted report.

An individual's report reaches the officers of their council only while its author shares it
(PRODUCT.md section 6), and only while the author is a councillor of that council.
"""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import exports
from assessments.models import Assessment, Council, User
from assessments.refusals import Refusal


class SharingError(Refusal):
    """A plain-English reason why a report cannot be shared."""


def report_share(*, assessment: Assessment) -> None:
    """Share a submitted report with the officers of its author's council. Its PDF is rendered
    into the cache by a task (if it is not there already), ready for the officers."""
    if not assessment.is_submitted:
        raise SharingError(_("Only a submitted assessment can be shared."))
    if assessment.owner.council_id is None:
        raise SharingError(
            _("Your account is not linked to a council, so there are no officers to share with.")
        )
    if assessment.shared_at is None:
        assessment.shared_at = timezone.now()
        assessment.save(update_fields=["shared_at"])
        exports.report_pdf_warm_on_commit(assessment.pk)


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
