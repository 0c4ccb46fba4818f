"""
The history of the checklist content in admin: who changed what, when, before and after, on
each version, area, key action and quote (django-simple-history records every save, and its
middleware records who made it).

History is for reading only. Reverting is refused: a version with answers must never change,
and going back on a draft is just editing it, through the page that checks the rules.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from assessments.models import AnswerOption, ChecklistVersion
from assessments.translation import ENGLISH, column

# Long enough for the longest wording (guidance), so that before and after read in full.
SHOWN_CHARS = 5000

CHANGE_KINDS = {"+": _("Added"), "~": _("Changed"), "-": _("Deleted")}


class ContentHistoryHelper(HistoricalRecordContextHelper):
    """Each change in full, leaving out changes of line endings alone: a browser sends a text
    box's lines back with Windows line endings, so the first save of text loaded from the
    fixtures would otherwise list every long text as changed."""

    def __init__(self, model, historical_record):
        super().__init__(model, historical_record, max_displayed_delta_change_chars=SHOWN_CHARS)

    def context_for_delta_changes(self, delta):
        def same(change) -> bool:
            return all(isinstance(value, str) for value in (change.old, change.new)) and (
                change.old.replace("\r\n", "\n") == change.new.replace("\r\n", "\n")
            )

        changes = [change for change in delta.changes if not same(change)]
        return super().context_for_delta_changes(replace(delta, changes=changes))


class ContentHistoryAdmin(SimpleHistoryAdmin):
    """Each object's "History": every save with its author and the fields it changed."""

    object_history_template = "admin/assessments/history/object_history.html"
    object_history_list_template = "admin/assessments/history/_history_list.html"

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history's page to revert to an old version saves whatever is posted to it,
        # around the version lock: it is not offered at all.
        raise PermissionDenied

    def get_historical_record_context_helper(self, request, historical_record):
        return ContentHistoryHelper(self.model, historical_record)

    def history_view_title(self, request, obj):
        return _("History of %(object)s") % {"object": obj}


@dataclass(frozen=True)
class OptionChange:
    """One save of one answer option: what it is called now, who, when, and what changed."""

    label: str
    kind: str
    changed_at: datetime
    changed_by: Any  # the User, or None when the change was not made in admin
    changes: list[dict[str, Any]]


def answer_option_changes(*, checklist: ChecklistVersion) -> list[OptionChange]:
    """Every recorded save of `checklist`'s answer options (an inline of the version's page,
    with no page of its own), newest first. Two queries."""
    records = list(
        AnswerOption.history.filter(checklist_id=checklist.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    older_of: dict[int, Any] = {}
    # Oldest first, so each record meets the one before it for the same option.
    changes_of: dict[int, list[dict[str, Any]]] = {}
    for record in reversed(records):
        previous = older_of.get(record.id)
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            helper = ContentHistoryHelper(AnswerOption, record)
            changes_of[record.history_id] = helper.context_for_delta_changes(delta)
        older_of[record.id] = record
    return [
        OptionChange(
            # A history record has both languages' columns, without modeltranslation's fallback.
            label=getattr(record, column("label")) or getattr(record, column("label", ENGLISH)),
            kind=str(CHANGE_KINDS.get(record.history_type, record.history_type)),
            changed_at=record.history_date,
            changed_by=record.history_user,
            changes=changes_of.get(record.history_id, []),
        )
        for record in records
    ]
