"""
Officers' pages for their own council, and councillors sharing a report with those officers.

Access: an officer works on their own council only; admins (`is_staff`) on any council; any
other council's pages answer 404, so an officer cannot tell which other councils exist.
Councillors get 403 for officers' pages. An individual report reaches an officer only while
its author shares it, and only the officers of the author's council: admins are not officers,
so they see that a report is shared but cannot open it.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import invitations, officers, pdf, reports
from assessments.audit import log_security_event
from assessments.forms.officers import BulkInviteForm, ShareForm
from assessments.models import Assessment, Council, User

# --- Access --------------------------------------------------------------------------------


def _is_council_officer(user: User, council: Council) -> bool:
    return user.is_officer and user.council_id == council.pk


def _get_council_for_user(user: User, slug: str) -> Council:
    """A council the user may run: an officer's own, or any for an admin; 404 for others."""
    if user.is_staff:
        return get_object_or_404(Council, slug=slug)
    if user.is_officer and user.council_id:
        return get_object_or_404(Council, slug=slug, pk=user.council_id)
    raise PermissionDenied


def _get_shared_report_for_officer(user: User, slug: str, pk: int) -> Assessment:
    """A report its author shares with this officer's council; 404 for everything else."""
    council = _get_council_for_user(user, slug)
    if not _is_council_officer(user, council):
        raise Http404("Reports are shared with the officers of the author's council only.")
    return get_object_or_404(officers.shared_reports(council), pk=pk)


def _get_own_submitted_assessment(request, pk: int) -> Assessment:
    """The signed-in councillor's own submitted assessment; 404 for anyone else's."""
    return get_object_or_404(
        Assessment.objects.select_related("owner__council"),
        pk=pk,
        owner=request.user,
        status=Assessment.Status.SUBMITTED,
    )


# --- The officers' dashboard ---------------------------------------------------------------


def staff_home(request):
    """Where officers and admins land from the dashboard: their council, or a choice of them."""
    user = request.user
    if user.is_staff:
        return render(
            request, "assessments/officers/councils.html", {"councils": Council.objects.all()}
        )
    if user.is_officer and user.council_id:
        return _render_council_dashboard(request, user.council)
    return render(request, "assessments/answering/dashboard_staff.html")


@require_safe
def council_dashboard(request, slug: str):
    council = _get_council_for_user(request.user, slug)
    return _render_council_dashboard(request, council)


def _render_council_dashboard(request, council: Council):
    rows = officers.council_councillors(council)
    return render(
        request,
        "assessments/officers/dashboard.html",
        {
            "council": council,
            "rows": rows,
            "counts": officers.progress_counts(rows),
            "can_open_shared": _is_council_officer(request.user, council),
            "return_to": reverse("assessments:council_dashboard", args=[council.slug]),
        },
    )


@require_http_methods(["GET", "POST"])
def bulk_invite(request, slug: str):
    council = _get_council_for_user(request.user, slug)
    if request.method == "POST":
        form = BulkInviteForm(request.POST, request.FILES)
    else:
        form = BulkInviteForm()
    result = None
    if request.method == "POST" and form.is_valid():
        result = invitations.invite_many(council=council, lines=form.lines, invited_by=request.user)
        result.problems = form.problems
        # What is left to fix goes back in the box; the rest is done or needs no action.
        form = BulkInviteForm(initial={"pasted": "\n".join(p.text for p in form.problems)})
    return render(
        request,
        "assessments/officers/bulk_invite.html",
        {"council": council, "form": form, "result": result},
    )


# --- Shared reports, as officers see them --------------------------------------------------


@never_cache
@require_safe
def shared_report(request, slug: str, pk: int):
    assessment = _get_shared_report_for_officer(request.user, slug, pk)
    return render(
        request,
        "assessments/officers/shared_report.html",
        {"report": reports.build_report(assessment), "council": assessment.owner.council},
    )


@never_cache
@require_safe
def shared_report_pdf(request, slug: str, pk: int):
    assessment = _get_shared_report_for_officer(request.user, slug, pk)
    log_security_event(request, "export", kind="shared_report_pdf", assessment=assessment.pk)
    response = HttpResponse(pdf.report_pdf(assessment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.report_filename(assessment)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Sharing, by the report's author -------------------------------------------------------


@require_POST
def share_report(request, pk: int):
    assessment = _get_own_submitted_assessment(request, pk)
    try:
        officers.report_share(assessment=assessment)
    except officers.SharingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Your report is shared with the officers of {assessment.owner.council}. "
            "You can stop sharing it at any time.",
        )
    return redirect(ShareForm(request.POST).return_url_name(), pk=assessment.pk)


@require_POST
def withdraw_report(request, pk: int):
    assessment = _get_own_submitted_assessment(request, pk)
    officers.report_withdraw(assessment=assessment)
    messages.success(request, "Your report is no longer shared. Officers cannot open it now.")
    return redirect(ShareForm(request.POST).return_url_name(), pk=assessment.pk)
