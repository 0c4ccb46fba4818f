"""
Groups: officers set them up in their own council (admins in any), councillors link their own
assessments to the groups they belong to, and everyone allowed sees the group's report.

Who may do what is decided in `assessments.permissions`:

* **manage** (edit, members, agreements, CSV): admins, and officers of the group's council
  (`get_group_for_manager`);
* **see** (the group page, the report, the PDF): those, and the group's members
  (`get_group_for_member`).

Anyone else gets 404, so a group's existence is not given away to other councils. A member who
tries to manage gets 403: they know the group exists.
"""

import copy
from dataclasses import dataclass, replace

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import exports, group_reports, groups, permissions, reminders
from assessments.audit import log_security_event
from assessments.forms.groups import (
    AddMembersForm,
    AgreementForm,
    GroupForm,
    LinkAssessmentForm,
    agreement_revision,
)
from assessments.models import (
    Assessment,
    CouncillorGroup,
    GroupAgreement,
    GroupMembership,
    Question,
)
from assessments.views import show_refusal


def _report(group: "permissions.GroupWithCount") -> group_reports.GroupReport:
    return group_reports.build_group_report(group, member_count=group.member_count)


# --- Groups and members ----------------------------------------------------------------------


@require_safe
def group_list(request):
    user = request.user
    queryset = (
        permissions.groups_for_user(user)
        .select_related("council", "facilitator")
        .annotate(member_count=Count("memberships", distinct=True))
    )
    return render(
        request,
        "assessments/groups/group_list.html",
        {
            "groups": queryset.order_by("council__name", "name"),
            "can_manage": permissions.runs_councils(user),
        },
    )


@require_http_methods(["GET", "POST"])
def group_create(request):
    user = request.user
    permissions.require_council_runner(user)
    form = GroupForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            group = groups.group_create(
                council=form.council_for(user),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                facilitator=form.cleaned_data["facilitator"],
                meeting_date=form.cleaned_data["meeting_date"],
                answers_due=form.cleaned_data["answers_due"],
                agenda_size=form.cleaned_data["agenda_size"],
            )
        except groups.GroupError as refusal:
            show_refusal(request, refusal, form=form)
        else:
            messages.success(
                request,
                _("Group “%(group)s” created. Now add its members: each is emailed.")
                % {"group": group.name},
            )
            return redirect("assessments:group_members", pk=group.pk)
    return render(request, "assessments/groups/group_form.html", {"form": form, "group": None})


@require_http_methods(["GET", "POST"])
def group_edit(request, pk: int):
    group = permissions.get_group_for_manager(request.user, pk)
    initial = {
        "name": group.name,
        "description": group.description,
        "facilitator": group.facilitator_id,
        "meeting_date": group.meeting_date,
        "answers_due": group.answers_due,
        "agenda_size": group.agenda_size,
        "status": group.status,
    }
    form = GroupForm(request.POST or None, initial=initial, user=request.user, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            groups.group_update(group=group, by=request.user, **form.cleaned_data)
        except groups.GroupError as refusal:
            show_refusal(request, refusal, form=form)
        else:
            messages.success(request, _("Group details saved."))
            return redirect("assessments:group_detail", pk=group.pk)
    return render(request, "assessments/groups/group_form.html", {"form": form, "group": group})


@require_safe
def group_detail(request, pk: int):
    group = permissions.get_group_for_member(request.user, pk)
    if permissions.can_manage_group(request.user, group):
        submitted_for_group = Assessment.objects.filter(
            owner=OuterRef("user"), group=group, status=Assessment.Status.SUBMITTED
        )
        draft_for_group = Assessment.objects.filter(
            owner=OuterRef("user"), group=group, status=Assessment.Status.DRAFT
        )
        memberships = list(
            GroupMembership.objects.filter(group=group)
            .select_related("user")
            .annotate(has_submitted=Exists(submitted_for_group), has_draft=Exists(draft_for_group))
            .order_by("user__full_name")
        )
        submitted = sum(m.has_submitted for m in memberships)
        return render(
            request,
            "assessments/groups/group_manage.html",
            {
                "group": group,
                "memberships": memberships,
                "submitted": submitted,
                "minimum": group_reports.group_minimum(group.council),
                "next_action": group_reports.group_next_action(
                    group, member_count=len(memberships), submitted=submitted
                ),
                "NextAction": group_reports.NextAction,
            },
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
            "draft": next((a for a in own if a.is_draft), None),
            "link_form": LinkAssessmentForm(user=request.user, group=group),
            "has_other": any(
                a.group_id != group.pk and not (a.group and a.group.is_closed) for a in own
            ),
            "minimum": group_reports.group_minimum(group.council),
        },
    )


@require_http_methods(["GET", "POST"])
def group_members(request, pk: int):
    group = permissions.get_group_for_manager(request.user, pk)
    form = AddMembersForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            added = groups.group_add_members(
                group=group, users=list(form.cleaned_data["members"]), by=request.user
            )
        except groups.GroupError as refusal:
            show_refusal(request, refusal, form=form)
        else:
            for user in added:
                log_security_event(request, "group_member_added", group=group.pk, member=user.pk)
            count = len(added)
            if not count:  # two clicks or two officers at once: the first added them
                messages.info(request, _("They are members already: nobody new was added."))
                return redirect("assessments:group_detail", pk=group.pk)
            messages.success(
                request,
                ngettext(
                    "%(count)d member added. They are sent an email about the group.",
                    "%(count)d members added. Each is sent an email about the group.",
                    count,
                )
                % {"count": count},
            )
            return redirect("assessments:group_detail", pk=group.pk)
    return render(request, "assessments/groups/group_members.html", {"group": group, "form": form})


@require_http_methods(["GET", "POST"])
def group_remove_member(request, pk: int, user_pk: int):
    """The confirmation first (what removing changes), then the POST that removes. A closed
    group's members stay: the page says so, and the service refuses the POST."""
    group = permissions.get_group_for_manager(request.user, pk)
    # `user__pk`, not `user_id`: the primary key's lookup treats an id too large for the column
    # as no row, where the foreign key column's passes it on (a 500 on SQLite).
    membership = get_object_or_404(
        GroupMembership.objects.select_related("user"), group=group, user__pk=user_pk
    )
    if request.method == "GET":
        if group.is_closed:
            messages.error(
                request,
                _(
                    "%(group)s is agreed and closed, so its members stay as they were: "
                    "the record of its discussion is kept"
                )
                % {"group": group.name},
            )
            return redirect("assessments:group_detail", pk=group.pk)
        return render(
            request,
            "assessments/groups/group_remove_member.html",
            {
                "group": group,
                "member": membership.user,
                "removal": groups.member_removal(group=group, user=membership.user),
            },
        )
    try:
        groups.group_remove_member(group=group, user=membership.user, by=request.user)
    except groups.GroupError as refusal:
        show_refusal(request, refusal)
    else:
        log_security_event(
            request, "group_member_removed", group=group.pk, member=membership.user.pk
        )
        messages.success(
            request,
            _(
                "%(name)s is no longer a member of %(group)s. Their assessments are kept. "
                "The group’s recorded figures do not change."
            )
            % {"name": membership.user.full_name, "group": group.name},
        )
    return redirect("assessments:group_detail", pk=group.pk)


@require_http_methods(["GET", "POST"])
def group_remind_members(request, pk: int):
    """The count first, then one reminder to each member counted (`assessments.reminders`)."""
    group = permissions.get_group_for_manager(request.user, pk)
    if request.method == "POST":
        sent = reminders.group_reminders_send(group=group)
        if sent:
            messages.success(
                request,
                ngettext(
                    "A reminder is on its way to %(count)d member",
                    "Reminders are on their way to %(count)d members",
                    sent,
                )
                % {"count": sent},
            )
        else:
            messages.info(request, _("Nobody was sent a reminder: there is nobody left to remind"))
        return redirect("assessments:group_detail", pk=group.pk)
    return render(
        request,
        "assessments/groups/group_remind.html",
        {
            "group": group,
            "plan": reminders.group_reminder_plan(group=group),
            "gap_hours": int(reminders.GROUP_REMINDER_GAP.total_seconds() // 3600),
            "reminder_days": reminders.GROUP_REMINDER_DAYS,
        },
    )


# --- Linking an assessment -------------------------------------------------------------------


@require_POST
def group_link(request, pk: int):
    group = permissions.get_group_for_member(request.user, pk)
    form = LinkAssessmentForm(request.POST, user=request.user, group=group)
    if form.is_valid():
        try:
            groups.assessment_link_group(
                assessment=form.cleaned_data["assessment"], group=group, user=request.user
            )
        except groups.GroupError as refusal:
            show_refusal(request, refusal)
        else:
            messages.success(
                request, _("Your assessment is now linked to %(group)s.") % {"group": group.name}
            )
    else:
        messages.error(request, str(form.errors["assessment"][0]))
    return redirect("assessments:group_detail", pk=group.pk)


@require_POST
def group_unlink(request, pk: int, assessment_pk: int):
    group = permissions.get_group_for_member(request.user, pk)
    assessment = permissions.get_assessment_for_owner(request.user, assessment_pk)
    if assessment.group_id != group.pk:
        raise Http404("That assessment is not linked to this group.")
    try:
        groups.assessment_unlink_group(assessment=assessment, user=request.user)
    except groups.GroupError as refusal:
        show_refusal(request, refusal)
    else:
        messages.success(
            request, _("Your assessment is no longer linked to %(group)s.") % {"group": group.name}
        )
    return redirect("assessments:group_detail", pk=group.pk)


# --- Report, agreements and exports ----------------------------------------------------------


@dataclass(frozen=True)
class _AgendaEntry:
    item: group_reports.AgendaItem
    form: AgreementForm | None  # None where the page only shows the agreement


@never_cache
@require_safe
def group_report(request, pk: int):
    group = permissions.get_group_for_member(request.user, pk)
    report = _report(group)
    can_manage = permissions.can_manage_group(request.user, group)
    return render(
        request,
        "assessments/groups/report.html",
        {
            "report": report,
            "can_manage": can_manage,
            # One agreement form beside each agenda item, while the group can still agree.
            "agenda_entries": [
                _AgendaEntry(
                    item=item,
                    form=(
                        _agreement_form(group, report, item.row.question, item.row.agreement)
                        if can_manage and not group.is_closed
                        else None
                    ),
                )
                for item in report.agenda
            ],
        },
    )


@require_http_methods(["GET", "POST"])
def group_agreement(request, pk: int, question_code: str):
    """
    Record the group's agreed answer and action on one key action. The agenda's forms post
    here and come back to their item; this page shows the form alone (for a key action off the
    agenda, or to show its errors). Refused once the group is agreed (closed), before its
    figures are shown, and when someone saved the agreement after the page was drawn.
    """
    group = permissions.get_group_for_manager(request.user, pk)
    question = get_object_or_404(
        Question.objects.select_related("area"),
        area__checklist_id=group.checklist_id,
        code=question_code,
    )
    if group.is_closed:
        messages.error(
            request,
            _("The group’s agreement is closed, so its agreed answers can no longer change."),
        )
        return redirect(f"{_report_url(group)}#agenda-{question.code}")
    report = _report(group)
    if not report.is_shown:
        messages.error(
            request,
            _(
                "The group’s agreed answers are recorded after its discussion, once enough "
                "members have submitted."
            ),
        )
        return redirect("assessments:group_report", pk=group.pk)
    row = next(r for r in report.questions if r.question.pk == question.pk)
    if request.method == "POST":
        with transaction.atomic():
            # Read afresh and locked: the form compares it with the revision the page showed.
            current = (
                # Only the agreement's own row: PostgreSQL cannot lock the nullable side of the
                # outer join to its answer option.
                GroupAgreement.objects.select_for_update(of=("self",))
                .select_related("option")
                .filter(group=group, question=question)
                .first()
            )
            # The form writes what was posted onto its instance: keep what is saved apart.
            saved = copy.copy(current)
            form = _agreement_form(group, report, question, current, data=request.POST)
            if form.is_valid():
                stale = form.is_stale()
                if not stale:
                    try:
                        groups.group_record_agreement(
                            group=group,
                            question=question,
                            by=request.user,
                            is_new=current is None,
                            **{k: v for k, v in form.cleaned_data.items() if k != "revision"},
                        )
                    except groups.StaleAgreement:
                        # Another officer's first save came in between: theirs is kept.
                        stale = True
                        saved = GroupAgreement.objects.select_related("option").get(
                            group=group, question=question
                        )
                if stale:
                    form.add_error(
                        None,
                        _(
                            "Someone saved this agreement after you opened the page. What they "
                            "saved is shown below: check it, then save again."
                        ),
                    )
                    form = _stale_form(form, saved)
                else:
                    messages.success(
                        request,
                        _("Agreed answer saved for “%(summary)s”.") % {"summary": question.summary},
                    )
                    return redirect(f"{_report_url(group)}#{_item_anchor(report, question)}")
        row = replace(row, agreement=saved)
    else:
        form = _agreement_form(group, report, question, row.agreement)
    return render(
        request,
        "assessments/groups/agreement.html",
        {
            "group": group,
            "question": question,
            "row": row,
            "form": form,
            "report": report,
            "back": f"{_report_url(group)}#{_item_anchor(report, question)}",
        },
    )


def _agreement_form(
    group: CouncillorGroup,
    report: group_reports.GroupReport,
    question: Question,
    agreement: GroupAgreement | None,
    data=None,
) -> AgreementForm:
    return AgreementForm(
        data,
        instance=agreement or GroupAgreement(group=group, question=question),
        group=group,
        scale=report.scale,
        prefix=question.code,
    )


def _stale_form(form: AgreementForm, current: GroupAgreement | None) -> AgreementForm:
    """The form as posted, but carrying the revision now saved, so that saving again (having
    seen what was saved) goes through."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    data[form.add_prefix("revision")] = agreement_revision(current)
    form.data = data
    return form


def _item_anchor(report: group_reports.GroupReport, question: Question) -> str:
    """Where the report shows the key action: its agenda item, or its row in the full list."""
    on_agenda = any(item.row.question.pk == question.pk for item in report.agenda)
    return f"agenda-{question.code}" if on_agenda else f"question-{question.code}"


@require_safe
def group_report_pdf(request, pk: int):
    group = permissions.get_group_for_member(request.user, pk)
    report = _report(group)
    if not report.is_shown:
        return redirect("assessments:group_report", pk=group.pk)
    log_security_event(request, "export", kind="group_report_pdf", group=group.pk)
    return exports.group_report_pdf_response(report)


@require_safe
def group_report_csv(request, pk: int):
    group = permissions.get_group_for_manager(request.user, pk)
    report = _report(group)
    if not report.is_shown:
        return redirect("assessments:group_report", pk=group.pk)
    log_security_event(request, "export", kind="group_report_csv", group=group.pk)
    return exports.group_report_csv_response(report)


def _report_url(group: CouncillorGroup) -> str:
    return reverse("assessments:group_report", args=[group.pk])
