"""
Sharing a report: its author shares or withdraws it, and their council's officers read it.

An individual report reaches an officer only while its author shares it, and only the officers
of the author's council: admins are not officers, so they see that a report is shared but
cannot open it (`permissions.get_shared_report_for_officer`).
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from assessments import exports, permissions, reports, sharing
from assessments.audit import log_security_event
from assessments.forms.sharing import ShareForm
from assessments.views import show_refusal

# --- Shared reports, as officers see them --------------------------------------------------


@never_cache
@require_safe
def shared_report(request, slug: str, pk: int):
    assessment = permissions.get_shared_report_for_officer(request.user, slug, pk)
    return render(
        request,
        "assessments/officers/shared_report.html",
        {"report": reports.build_report(assessment), "council": assessment.owner.council},
    )


@require_safe
def shared_report_pdf(request, slug: str, pk: int):
    assessment = permissions.get_shared_report_for_officer(request.user, slug, pk)
    log_security_event(request, "export", kind="shared_report_pdf", assessment=assessment.pk)
    return exports.report_pdf_response(assessment, officer_reading=True)


# --- Sharing, by the report's author -------------------------------------------------------


@require_POST
def share_report(request, pk: int):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    try:
        sharing.report_share(assessment=assessment)
    except sharing.SharingError as refusal:
        show_refusal(request, refusal)
    else:
        messages.success(
            request,
            _(
                "Your report is shared with the officers of %(council)s. "
                "You can stop sharing it at any time."
            )
            % {"council": assessment.owner.council},
        )
    return redirect(ShareForm(request.POST).return_url_name(), pk=assessment.pk)


@require_POST
def withdraw_report(request, pk: int):
    assessment = permissions.get_assessment_for_owner(request.user, pk, submitted=True)
    sharing.report_withdraw(assessment=assessment)
    messages.success(request, _("Your report is no longer shared. Officers cannot open it now."))
    return redirect(ShareForm(request.POST).return_url_name(), pk=assessment.pk)
