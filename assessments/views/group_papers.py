"""
A group meeting's papers: the meeting pack PDF (before the meeting), the agreed-plan PDF
(after it) and the projector view of the agenda (during it).

They are the facilitator's, so only those who manage the group open them: admins and officers
of the group's council (`permissions.get_group_for_manager`). Anyone else gets 404, a member
403, as for the group's other management pages. They show the group's figures only where the
group report does (`GroupReport.is_shown`), and nothing about any one member.

The projector view is one screen per agenda item between a start screen and an end screen,
each a page of its own with real "Previous" and "Next" links, so that it works without
JavaScript; `static/src/application.js` adds the arrow keys and Page Up / Page Down.
"""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from assessments import exports, group_reports, permissions
from assessments.audit import log_security_event


def _report(request, pk: int) -> group_reports.GroupReport:
    group = permissions.get_group_for_manager(request.user, pk)
    return group_reports.build_group_report(group, member_count=group.member_count)


@require_safe
def meeting_pack_pdf(request, pk: int):
    report = _report(request, pk)
    log_security_event(request, "export", kind="group_meeting_pack", group=report.group.pk)
    return exports.meeting_pack_pdf_response(report)


@require_safe
def agreed_plan_pdf(request, pk: int):
    report = _report(request, pk)
    log_security_event(request, "export", kind="group_agreed_plan", group=report.group.pk)
    return exports.agreed_plan_pdf_response(report)


@never_cache
@require_safe
def projector(request, pk: int, screen: int | None = None):
    """Screen 0 (`/projector/`) is the start, 1 to n the agenda's items, n + 1 the end.
    Without figures to show there is only the start screen, which says so."""
    report = _report(request, pk)
    agenda = report.agenda if report.is_shown else ()
    end = len(agenda) + 1 if agenda else 0
    if screen is None:
        screen = 0
    elif not 1 <= screen <= end:  # /projector/0/ too: the start has one address
        raise Http404("No such screen.")
    item = agenda[screen - 1] if 0 < screen < end else None
    return render(
        request,
        "assessments/groups/papers/projector.html",
        {
            "report": report,
            "agenda": agenda,
            "screen": screen,
            "is_start": screen == 0,
            "is_end": bool(agenda) and screen == end,
            "item": item,
            "previous_url": _screen_url(report, screen - 1) if screen > 0 else None,
            "next_url": _screen_url(report, screen + 1) if screen < end else None,
        },
    )


def _screen_url(report: group_reports.GroupReport, screen: int) -> str:
    if screen == 0:
        return reverse("assessments:group_projector", args=[report.group.pk])
    return reverse("assessments:group_projector_screen", args=[report.group.pk, screen])
