"""
Background work in the admin: every email the service meant to send (read-only), and a page,
linked from the admin index, that says how many tasks wait, how many failed, and which emails
gave up, each count linking to its list.

The tasks themselves (django-tasks-db's `DBTaskResult`) are listed by the package's own
read-only admin, with their tracebacks.
"""

from dataclasses import dataclass

from django.contrib import admin
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult, get_date_max

from assessments.models import Email

EMAIL_FIELDS = (
    "purpose",
    "user",
    "invitation",
    "action_step",
    "key",
    "state",
    "attempts",
    "last_attempt_at",
    "next_attempt_at",
    "last_error",
    "sent_at",
    "provider_reference",
    "delivery",
    "delivery_checked_at",
    "created_at",
)


@dataclass(frozen=True)
class BackgroundWork:
    """How the task queue and the emails stand, counted in two queries."""

    tasks_due: int  # ready to run now: a number that keeps growing means no worker is running
    tasks_later: int  # waiting for their time (retries, delivery checks)
    tasks_running: int
    tasks_failed: int  # raised an exception: a bug, with its traceback in the task's page
    emails_retrying: int
    emails_gave_up: int


def background_work() -> BackgroundWork:
    ready = Q(status="READY")
    # A task enqueued to run at once has the package's "no time given" date, the latest there is.
    due = Q(run_after__lte=timezone.now()) | Q(run_after=get_date_max())
    tasks = DBTaskResult.objects.aggregate(
        due=Count("pk", filter=ready & due),
        later=Count("pk", filter=ready & ~due),
        running=Count("pk", filter=Q(status="RUNNING")),
        failed=Count("pk", filter=Q(status="FAILED")),
    )
    emails = Email.objects.aggregate(
        retrying=Count("pk", filter=Q(state=Email.State.RETRYING)),
        gave_up=Count("pk", filter=Q(state=Email.State.GAVE_UP)),
    )
    return BackgroundWork(
        tasks_due=tasks["due"],
        tasks_later=tasks["later"],
        tasks_running=tasks["running"],
        tasks_failed=tasks["failed"],
        emails_retrying=emails["retrying"],
        emails_gave_up=emails["gave_up"],
    )


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """Read-only: emails are recorded and sent by the service. No content is ever stored."""

    list_display = ["created_at", "purpose", "user", "state", "attempts", "last_error", "delivery"]
    list_filter = ["state", "purpose", "delivery"]
    list_select_related = ["user"]
    search_fields = ["user__email", "key"]
    fields = EMAIL_FIELDS
    readonly_fields = EMAIL_FIELDS
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        work = path(
            "work/",
            self.admin_site.admin_view(self.work_view),
            name="assessments_email_work",
        )
        return [work, *super().get_urls()]

    def work_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Background work"),
            "work": background_work(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assessments/background_work.html", context)
