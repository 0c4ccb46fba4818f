"""
The officers' dashboard: the councillors of one council and how far each got.

Access is `permissions.get_council_for_officer`'s, for the page and its CSV alike: an officer
works on their own council only, admins on any; other councils answer 404, and councillors get
403.
"""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from assessments import dashboards, exports, permissions
from assessments.audit import log_security_event
from assessments.dashboards import ProgressState
from assessments.models import Council


def staff_home(request):
    """Where officers and admins land from the dashboard: their council, or a choice of them."""
    user = request.user
    if permissions.is_admin(user):
        return render(
            request, "assessments/officers/councils.html", {"councils": Council.objects.all()}
        )
    if permissions.is_officer(user):
        return _render_council_dashboard(request, user.council)
    return render(request, "assessments/answering/dashboard_staff.html")


@require_safe
def council_dashboard(request, slug: str):
    council = permissions.get_council_for_officer(request.user, slug)
    return _render_council_dashboard(request, council)


def _render_council_dashboard(request, council: Council):
    rows = dashboards.council_councillors(council)
    return render(
        request,
        "assessments/officers/dashboard.html",
        {
            "council": council,
            "rows": rows,
            "counts": dashboards.progress_counts(rows),
            "groups": dashboards.council_groups(council),
            "states": ProgressState,
            "can_open_shared": permissions.is_officer_of(request.user, council),
            "return_to": reverse("assessments:council_dashboard", args=[council.slug]),
        },
    )


@require_safe
def council_progress_csv(request, slug: str):
    """The dashboard's councillors as a spreadsheet: how far each got and their groups, never
    what they answered. The same access as the dashboard."""
    council = permissions.get_council_for_officer(request.user, slug)
    rows = dashboards.council_councillors(council)
    log_security_event(request, "export", kind="council_progress_csv", council=council.pk)
    return exports.council_progress_csv_response(
        council, rows, dashboards.group_names_by_member(council)
    )
