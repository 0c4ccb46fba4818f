"""
Groups: officers set them up in their own council (admins in any), councillors link their own
assessments to the groups they belong to, and everyone allowed sees the group's report.

Who may do what, decided once in `_get_group`:

* **manage** (edit, members, agreements, CSV): admins, and officers of the group's council;
* **see** (the group page, the report, the PDF): those, and the group's members.

Anyone else gets 404, so a group's existence is not given away to other councils. A member who
tries to manage gets 403: they know the group exists.
"""

import csv
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import group_reports, groups, pdf
from assessments.audit import log_security_event
from assessments.forms.groups import AddMembersForm, AgreementForm, GroupForm, LinkAssessmentForm
from assessments.models import (
    Assessment,
    CouncillorGroup,
    GroupAgreement,
    GroupMembership,
    Question,
    User,
)

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _Counted(TypedDict):
        member_count: int

    # A group with its `member_count` annotation (typing only).
    CountedGroup = WithAnnotations[CouncillorGroup, _Counted]

PDF_TEMPLATE = "assessments/groups/report_pdf.html"
# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _can_manage_any(user: User) -> bool:
    return user.is_staff or (user.is_officer and user.council_id is not None)


def _get_group(request, pk: int, *, manage: bool = False) -> "CountedGroup":
    """
    The group, if the user may see it (or manage it, with `manage`); 404 for anyone outside the
    group's council and for councillors who are not members; 403 for a member trying to manage.
    """
    user = request.user
    queryset = CouncillorGroup.objects.select_related(
        "council", "checklist", "facilitator"
    ).annotate(member_count=Count("memberships", distinct=True))
    if user.is_staff:
        return get_object_or_404(queryset, pk=pk)
    if user.is_officer:
        return get_object_or_404(queryset, pk=pk, council_id=user.council_id or -1)
    is_member = GroupMembership.objects.filter(group=OuterRef("pk"), user=user)
    group = get_object_or_404(
        queryset.filter(Exists(is_member), council_id=user.council_id or -1), pk=pk
    )
    if manage:
        raise PermissionDenied
    return group


def _report(group: "CountedGroup") -> group_reports.GroupReport:
    return group_reports.build_group_report(group, member_count=group.member_count)


def _can_manage(user: User, group: CouncillorGroup) -> bool:
    return user.is_staff or (user.is_officer and user.council_id == group.council_id)


# --- Groups and members ----------------------------------------------------------------------


@require_safe
def group_list(request):
    user = request.user
    if _can_manage_any(user):
        queryset = (
            CouncillorGroup.objects.all()
            if user.is_staff
            else CouncillorGroup.objects.filter(council_id=user.council_id)
        )
    else:
        # A subquery, not a join: joining on the member's own row would make the count below
        # count that one row.
        queryset = CouncillorGroup.objects.filter(
            pk__in=GroupMembership.objects.filter(user=user).values("group")
        )
    queryset = queryset.select_related("council", "facilitator").annotate(
        member_count=Count("memberships", distinct=True)
    )
    return render(
        request,
        "assessments/groups/group_list.html",
        {"groups": queryset.order_by("council__name", "name"), "can_manage": _can_manage_any(user)},
    )


@require_http_methods(["GET", "POST"])
def group_create(request):
    user = request.user
    if not _can_manage_any(user):
        raise PermissionDenied
    form = GroupForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            group = groups.group_create(
                council=form.council_for(user),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                facilitator=form.cleaned_data["facilitator"],
            )
        except groups.GroupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Group “{group.name}” created. Now add its members.")
            return redirect("assessments:group_members", pk=group.pk)
    return render(request, "assessments/groups/group_form.html", {"form": form, "group": None})


@require_http_methods(["GET", "POST"])
def group_edit(request, pk: int):
    group = _get_group(request, pk, manage=True)
    initial = {
        "name": group.name,
        "description": group.description,
        "facilitator": group.facilitator_id,
        "status": group.status,
    }
    form = GroupForm(request.POST or None, initial=initial, user=request.user, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            groups.group_update(group=group, **form.cleaned_data)
        except groups.GroupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Group details saved.")
            return redirect("assessments:group_detail", pk=group.pk)
    return render(request, "assessments/groups/group_form.html", {"form": form, "group": group})


@require_safe
def group_detail(request, pk: int):
    group = _get_group(request, pk)
    if _can_manage(request.user, group):
        submitted_for_group = Assessment.objects.filter(
            owner=OuterRef("user"), group=group, status=Assessment.Status.SUBMITTED
        )
        draft_for_group = Assessment.objects.filter(
            owner=OuterRef("user"), group=group, status=Assessment.Status.DRAFT
        )
        memberships = (
            GroupMembership.objects.filter(group=group)
            .select_related("user")
            .annotate(has_submitted=Exists(submitted_for_group), has_draft=Exists(draft_for_group))
            .order_by("user__full_name")
        )
        return render(
            request,
            "assessments/groups/group_manage.html",
            {"group": group, "memberships": memberships},
        )
    own = list(
        Assessment.objects.filter(owner=request.user)
        .select_related("group")
        .order_by("-created_at")
    )
    return render(
        request,
        "assessments/groups/group_member.html",
        {
            "group": group,
            "linked": [a for a in own if a.group_id == group.pk],
            "link_form": LinkAssessmentForm(user=request.user, group=group),
            "has_other": any(a.group_id != group.pk for a in own),
            "minimum": settings.GROUP_MIN_RESPONSES,
        },
    )


@require_http_methods(["GET", "POST"])
def group_members(request, pk: int):
    group = _get_group(request, pk, manage=True)
    form = AddMembersForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            added = groups.group_add_members(group=group, users=list(form.cleaned_data["members"]))
        except groups.GroupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{added} member{'s' if added != 1 else ''} added.")
            return redirect("assessments:group_detail", pk=group.pk)
    return render(request, "assessments/groups/group_members.html", {"group": group, "form": form})


@require_POST
def group_remove_member(request, pk: int, user_pk: int):
    group = _get_group(request, pk, manage=True)
    membership = get_object_or_404(
        GroupMembership.objects.select_related("user"), group=group, user_id=user_pk
    )
    groups.group_remove_member(group=group, user=membership.user)
    messages.success(
        request,
        f"{membership.user.full_name} is no longer a member of {group.name}. "
        "Their assessments are kept, but no longer count in the group's figures.",
    )
    return redirect("assessments:group_detail", pk=group.pk)


# --- Linking an assessment -------------------------------------------------------------------


@require_POST
def group_link(request, pk: int):
    group = _get_group(request, pk)
    form = LinkAssessmentForm(request.POST, user=request.user, group=group)
    if form.is_valid():
        try:
            groups.assessment_link_group(
                assessment=form.cleaned_data["assessment"], group=group, user=request.user
            )
        except groups.GroupError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Your assessment is now linked to {group.name}.")
    else:
        messages.error(request, str(form.errors["assessment"][0]))
    return redirect("assessments:group_detail", pk=group.pk)


@require_POST
def group_unlink(request, pk: int, assessment_pk: int):
    group = _get_group(request, pk)
    assessment = get_object_or_404(
        Assessment.objects.select_related("group"),
        pk=assessment_pk,
        owner=request.user,
        group=group,
    )
    try:
        groups.assessment_unlink_group(assessment=assessment, user=request.user)
    except groups.GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Your assessment is no longer linked to {group.name}.")
    return redirect("assessments:group_detail", pk=group.pk)


# --- Report, agreements and exports ----------------------------------------------------------


@never_cache
@require_safe
def group_report(request, pk: int):
    group = _get_group(request, pk)
    return render(
        request,
        "assessments/groups/report.html",
        {"report": _report(group), "can_manage": _can_manage(request.user, group)},
    )


@require_http_methods(["GET", "POST"])
def group_agreement(request, pk: int, question_code: str):
    group = _get_group(request, pk, manage=True)
    question = get_object_or_404(
        Question.objects.select_related("area"),
        area__checklist_id=group.checklist_id,
        code=question_code,
    )
    report = _report(group)
    if not report.is_shown:
        messages.error(
            request,
            "The group's agreed answers are recorded after its discussion, once enough members "
            "have submitted.",
        )
        return redirect("assessments:group_report", pk=group.pk)
    agreement = GroupAgreement.objects.filter(
        group=group, question=question
    ).first() or GroupAgreement(group=group, question=question)
    form = AgreementForm(request.POST or None, instance=agreement, group=group)
    if request.method == "POST" and form.is_valid():
        groups.group_record_agreement(
            group=group, question=question, by=request.user, **form.cleaned_data
        )
        messages.success(request, f"Agreed answer saved for “{question.summary}”.")
        return redirect(f"{_report_url(group)}#agreed-{question.code}")
    row = next(r for r in report.questions if r.question.pk == question.pk)
    return render(
        request,
        "assessments/groups/agreement.html",
        {"group": group, "question": question, "row": row, "form": form, "report": report},
    )


@never_cache
@require_safe
def group_report_pdf(request, pk: int):
    group = _get_group(request, pk)
    report = _report(group)
    if not report.is_shown:
        return redirect("assessments:group_report", pk=group.pk)
    log_security_event(request, "export", kind="group_report_pdf", group=group.pk)
    today = timezone.localdate()
    html = render_to_string(
        PDF_TEMPLATE,
        {"report": report, "today": today, "service_name": _service_name()},
    )
    response = HttpResponse(pdf.html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(group, today)}"'
    response["Cache-Control"] = "private, no-store, max-age=0"
    return response


@never_cache
@require_safe
def group_report_csv(request, pk: int):
    group = _get_group(request, pk, manage=True)
    report = _report(group)
    if not report.is_shown:
        return redirect("assessments:group_report", pk=group.pk)
    log_security_event(request, "export", kind="group_report_csv", group=group.pk)
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="innovation-group-answers-{_slug(group)}-{today:%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "private, no-store, max-age=0"
    write_csv(response, report)
    return response


def write_csv(out, report: group_reports.GroupReport) -> None:
    """The aggregated counts per key action: no names, and no cell a spreadsheet would run."""
    writer = csv.writer(out)
    labels = [o.label for o in report.scale]
    writer.writerow(
        [
            "Group",
            "Council",
            "Checklist version",
            "Area",
            "Key action code",
            "Key action",
            "Research priority",
            *labels,
            "Members who answered",
            "Disagreement (%)",
            "Shared gap",
            "Agreed answer",
        ]
    )
    group = report.group
    for area in report.areas:
        for row in area.questions:
            writer.writerow(
                [
                    neutralise(cell)
                    for cell in (
                        group.name,
                        group.council.name,
                        report.checklist.number,
                        area.area.title,
                        row.code,
                        row.question.summary,
                        "Yes" if row.question.is_research_priority else "No",
                        *(c.count for c in row.counts),
                        row.answered,
                        "" if row.disagreement_percent is None else row.disagreement_percent,
                        "Yes" if row.is_shared_gap else "No",
                        row.agreement.option.label
                        if row.agreement and row.agreement.option
                        else "",
                    )
                ]
            )


def neutralise(value):
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def pdf_filename(group: CouncillorGroup, day: date) -> str:
    return f"innovation-group-report-{_slug(group)}-{day:%Y-%m-%d}.pdf"


def _slug(group: CouncillorGroup) -> str:
    return slugify(group.name)[:60].strip("-") or "group"


def _report_url(group: CouncillorGroup) -> str:
    return reverse("assessments:group_report", args=[group.pk])


def _service_name() -> str:
    return settings.SERVICE_NAME
