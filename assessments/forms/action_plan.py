"""The councillor's next step on one gap."""

import datetime

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from assessments.forms.answering import HiddenFieldErrorsMixin
from assessments.models import ActionStep

# The pack's date widget labels its boxes with gettext_lazy("Day") and so on: marked here too so
# that makemessages keeps them in our catalogue, which is the one that translates them.
DATE_INPUT_LABELS = (gettext_noop("Day"), gettext_noop("Month"), gettext_noop("Year"))

DATE_NOT_PAST = _("Enter a date that is not in the past, for example, 27 3 2027")

# Whole messages for each set of missing parts, so that each can be translated as a sentence.
_MISSING_PARTS = {
    ("day",): _("The date must include a day"),
    ("month",): _("The date must include a month"),
    ("year",): _("The date must include a year"),
    ("day", "month"): _("The date must include a day and month"),
    ("day", "year"): _("The date must include a day and year"),
    ("month", "year"): _("The date must include a month and year"),
}


def _focus_help() -> str:
    return ngettext(
        "Your action plan starts with up to %(limit)d focus action: the one you will act on first.",
        "Your action plan starts with up to %(limit)d focus actions: the ones you will "
        "act on first.",
        ActionStep.FOCUS_LIMIT,
    ) % {"limit": ActionStep.FOCUS_LIMIT}


# Lazy, so that it is worded in the language of the page that shows it, not at import.
FOCUS_HELP = lazy(_focus_help, str)()


class DueDateField(DateInputField):
    """A GOV.UK date input (day, month, year) that may be left blank but must be a real date."""

    def __init__(self, **kwargs):
        super().__init__(require_all_fields=False, **kwargs)
        self.error_messages["incomplete"] = _(
            "Enter the day, month and year, for example, 27 3 2027"
        )
        for field, name in zip(self.fields, ("day", "month", "year"), strict=True):
            field.error_messages["incomplete"] = _MISSING_PARTS[(name,)]
            field.validators = []

    def clean(self, value):
        # GOV.UK's pattern is one message naming every missing part ("…a day and month"), not
        # one message per empty box.
        parts = [str(part or "").strip() for part in (value or ())]
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=False) if not part
        ]
        if parts and 0 < len(missing) < len(parts):
            raise ValidationError(_MISSING_PARTS[tuple(missing)], code="incomplete")
        return super().clean(value)

    def compress(self, data_list):
        if not data_list or not all(data_list):
            return None
        day, month, year = (str(value).strip() for value in data_list)
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(
                _("Enter the date using numbers only, for example, 27 3 2027"), code="invalid"
            )
        if len(year) != 4:
            raise ValidationError(
                _("Enter the year as 4 numbers, for example 2027"), code="invalid"
            )
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                _("Enter a real date, for example, 27 3 2027"), code="invalid"
            ) from None


class ActionStepForm(HiddenFieldErrorsMixin, forms.ModelForm):
    """
    A next step's what, who, when and where, and `seen`: the version of the step the page
    showed (its `updated_at`, empty for a step not yet written), so that a save from an older
    copy is refused (`action_plan.action_step_save`) rather than overwriting a newer one.
    """

    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    due_date = DueDateField(
        label=_("By when (optional)"),
        required=False,
        help_text=DATE_NOT_PAST,
    )

    class Meta:
        model = ActionStep
        fields = ["what", "lead", "due_date", "reported_to", "is_focus"]
        labels = {
            "is_focus": _("Make this one of your focus actions"),
            "what": _("What will you do?"),
            "lead": _("Who leads it? (optional)"),
            "reported_to": _("Where will progress be reported? (optional)"),
        }
        help_texts = {
            "is_focus": FOCUS_HELP,
            "what": _("One practical next step, in a sentence or two."),
            "lead": _("A person or a role, for example the cabinet member or the chief executive."),
            "reported_to": _(
                "A meeting or committee, for example cabinet or overview and scrutiny."
            ),
        }
        error_messages = {
            "what": {
                "required": _("Enter what you will do"),
                "max_length": _("What you will do must be %(limit_value)d characters or fewer"),
            },
            "lead": {"max_length": _("Who leads it must be %(limit_value)d characters or fewer")},
            "reported_to": {
                "max_length": _(
                    "Where progress will be reported must be %(limit_value)d characters or fewer"
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Exact to the microsecond, and in UTC: the value is compared with the stored one.
        updated_at = self.instance.updated_at if self.instance.pk else None
        self.fields["seen"].initial = updated_at.isoformat() if updated_at else ""
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        self.helper.layout = Layout(
            Field.textarea("what", rows=3),
            Field.text("lead"),
            Field("due_date"),
            Field.text("reported_to"),
            Field.checkbox("is_focus"),
        )

    def clean_seen(self) -> datetime.datetime | None:
        seen = self.cleaned_data["seen"]
        if not seen:
            return None
        try:
            value = datetime.datetime.fromisoformat(seen)
        except ValueError:
            raise ValidationError(_("Not a version of a next step"), code="invalid") from None
        if timezone.is_naive(value):
            raise ValidationError(_("Not a version of a next step"), code="invalid")
        return value

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        # Only a date the councillor changes must not be in the past: a step planned last month
        # and not yet done can stay as it was.
        if (
            due_date is not None
            and "due_date" in self.changed_data
            and due_date < timezone.localdate()
        ):
            raise ValidationError(_("The date must be today or in the future"), code="past")
        return due_date
