"""
Reminders: a person's own choice of them, an officer's "Remind councillors", and a next step's
calendar file.

The choice is the signed-in councillor's own (officers and admins get no reminders: 403). The
council pages are `permissions.get_council_for_officer`'s: officers of another council get 404,
councillors 403. A calendar file is its step's owner's only: 404 for anyone else.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from assessments import exports, permissions, reminders
from assessments.forms.reminders import EmailRemindersForm


@require_http_methods(["GET", "POST"])
def email_reminders(request):
    user = request.user
    permissions.require_councillor(user)
    form = EmailRemindersForm(
        request.POST if request.method == "POST" else None, enabled=user.reminders_enabled
    )
    if request.method == "POST" and form.is_valid():
        user.reminders_enabled = form.enabled
        user.save(update_fields=["reminders_enabled"])
        if form.enabled:
            messages.success(request, _("You will get email reminders"))
        else:
            messages.success(request, _("You will not get email reminders"))
        return redirect("assessments:email_reminders")
    return render(
        request,
        "accounts/email_reminders.html",
        {"form": form, "step_reminder_days": reminders.STEP_REMINDER_DAYS},
    )


@require_http_methods(["GET", "POST"])
def remind_councillors(request, slug: str):
    """The count first, then one reminder to each councillor counted (`assessments.reminders`)."""
    council = permissions.get_council_for_officer(request.user, slug)
    if request.method == "POST":
        sent = reminders.completion_reminders_send(council=council, sent_by=request.user)
        if sent:
            messages.success(
                request,
                ngettext(
                    "A reminder is on its way to %(count)d councillor",
                    "Reminders are on their way to %(count)d councillors",
                    sent,
                )
                % {"count": sent},
            )
        else:
            messages.info(
                request,
                _("Nobody was sent a reminder: there is nobody left to remind today"),
            )
        return redirect("assessments:council_dashboard", slug=council.slug)
    return render(
        request,
        "assessments/officers/remind_councillors.html",
        {
            "council": council,
            "plan": reminders.completion_reminder_plan(council=council),
            "gap_hours": int(reminders.COMPLETION_REMINDER_GAP.total_seconds() // 3600),
        },
    )


@require_safe
def action_step_calendar(request, pk: int):
    """The step's .ics, as its reminder email attaches it (GOV.UK Notify links here instead)."""
    step = permissions.get_action_step_for_owner(request.user, pk)
    return exports.step_calendar_response(step, url=str(reminders.step_report_link(step)))
