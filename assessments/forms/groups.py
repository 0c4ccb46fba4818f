"""Forms for groups: the group itself, its members, linking an assessment, and agreements."""

from collections.abc import Iterable
from typing import cast

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments import answering, permissions
from assessments.forms.accounts import ErrorBorderMixin
from assessments.forms.action_plan import DATE_NOT_PAST, DueDateField
from assessments.forms.fields import IdsChoiceField
from assessments.models import (
    NOTE_MAX_LENGTH,
    AnswerOption,
    Assessment,
    Council,
    CouncillorGroup,
    GroupAgreement,
    User,
)
from assessments.scoring import OptionInfo


class _OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.full_name} ({user.council})" if self.show_council else user.full_name

    show_council = False


class _CouncillorsChoiceField(IdsChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})"


class GroupForm(ErrorBorderMixin, forms.Form):
    """Create or edit a group. Admins choose the council; officers work in their own."""

    council = forms.ModelChoiceField(
        queryset=Council.objects.all(),
        label=_("Council"),
        empty_label=_("Choose a council"),
        error_messages={"required": _("Choose the group's council")},
    )
    name = forms.CharField(
        label=_("Group name"),
        max_length=200,
        help_text=_("For example, Cabinet, or Overview and Scrutiny Committee."),
        error_messages={
            "required": _("Enter the group's name"),
            "max_length": _("The group's name must be %(limit_value)d characters or fewer"),
        },
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the group is and when it will discuss its answers."),
        error_messages={
            "max_length": _("The description must be %(limit_value)d characters or fewer")
        },
    )
    facilitator = _OfficerChoiceField(
        queryset=User.objects.none(),
        label=_("Facilitating officer (optional)"),
        required=False,
        empty_label=_("No facilitator yet"),
        help_text=_("The officer who runs the group's discussion."),
        error_messages={"invalid_choice": _("Choose one of the council's officers from the list")},
    )
    meeting_date = DueDateField(
        label=_("Meeting date (optional)"),
        required=False,
        help_text=_("When the group meets to discuss its answers. For example, 27 3 2027"),
    )
    answers_due = DueDateField(
        label=_("Answers due (optional)"),
        required=False,
        help_text=_(
            "The deadline for members to submit their assessments, on or before the meeting "
            "date. Members who have not submitted are reminded 2 days before it."
        ),
    )
    agenda_size = forms.IntegerField(
        label=_("How many key actions should the meeting’s agenda list?"),
        required=False,
        min_value=1,
        max_value=CouncillorGroup.AGENDA_SIZE_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        help_text=lazy(
            lambda: (
                gettext("A number from 1 to %(max)d. Most meetings have time for 5.")
                % {"max": CouncillorGroup.AGENDA_SIZE_MAX}
            ),
            str,
        )(),
        error_messages={
            "invalid": _("Enter the number of agenda items as a whole number, like 5"),
            "min_value": _("The agenda must list at least 1 key action"),
            "max_value": _("The agenda can list at most %(limit_value)d key actions"),
        },
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=CouncillorGroup.Status.choices,
        widget=forms.RadioSelect,
        initial=CouncillorGroup.Status.OPEN,
        help_text=_(
            "The group’s figures are recorded once, when it first moves on from collecting "
            "answers, and do not change after. Once agreed (closed), a group stays closed."
        ),
        error_messages={"required": _("Choose the group's status")},
    )

    def __init__(self, *args, user: User, group: CouncillorGroup | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        choose_council = permissions.is_admin(user) and group is None
        council = group.council if group else user.council
        self.fixed_council = None if choose_council else council
        officers = User.objects.filter(role=User.Role.OFFICER, is_active=True)
        facilitator = cast(_OfficerChoiceField, self.fields["facilitator"])
        if choose_council:
            facilitator.queryset = officers.filter(council__isnull=False).select_related("council")
            facilitator.show_council = True
        else:
            del self.fields["council"]
            facilitator.queryset = officers.filter(council=council)
        if group is None or group.is_closed:
            # A closed group stays closed (`groups.group_set_status`): nothing to choose.
            del self.fields["status"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.label_size = Size.SMALL
        if group is None:
            self.fields["agenda_size"].initial = CouncillorGroup.AGENDA_SIZE_DEFAULT
        names = [n for n in ("council", "name", "description", "facilitator") if n in self.fields]
        layout = [Field.text(n) if n == "name" else Field(n) for n in names]
        layout += [
            Field("meeting_date"),
            Field("answers_due"),
            Field.text("agenda_size", field_width=2),
        ]
        if "status" in self.fields:
            layout.append(Field.radios("status", legend_size=Size.SMALL))
        self.helper.layout = Layout(*layout)

    def council_for(self, user: User) -> Council:
        if self.group is not None:
            return self.group.council
        council = self.cleaned_data["council"] if "council" in self.fields else user.council
        assert council is not None, "only officers with a council, or admins choosing one, get here"
        return council

    def _refuse_past(self, name: str, message: str) -> None:
        """A date in the past is refused for a new group; on an existing one, only a date that
        was changed (a meeting that has happened keeps its date)."""
        value = self.cleaned_data.get(name)
        if value is None or value >= timezone.localdate():
            return
        if self.group is None or name in self.changed_data:
            self.add_error(name, message)

    def clean_agenda_size(self) -> int:
        size = self.cleaned_data["agenda_size"]
        if size is not None:
            return size
        if self.group is not None:
            return self.group.agenda_size
        return CouncillorGroup.AGENDA_SIZE_DEFAULT

    def clean(self):
        cleaned = super().clean()
        self._refuse_past("meeting_date", _("The meeting date must be today or in the future"))
        self._refuse_past("answers_due", _("The answers deadline must be today or in the future"))
        meeting, due = cleaned.get("meeting_date"), cleaned.get("answers_due")
        if meeting and due and due > meeting and "answers_due" not in self.errors:
            self.add_error(
                "answers_due",
                _("The answers deadline must be on or before the meeting date, %(meeting)s")
                % {"meeting": date_format(meeting, "j F Y")},
            )
        council = cleaned.get("council") or self.fixed_council
        facilitator = cleaned.get("facilitator")
        if (
            "council" in self.fields
            and council
            and facilitator
            and facilitator.council_id != council.pk
        ):
            self.add_error(
                "facilitator",
                _("Choose an officer of %(council)s, or no facilitator yet")
                % {"council": council.name},
            )
        name = cleaned.get("name")
        if council and name:
            clash = CouncillorGroup.objects.filter(council=council, name__iexact=name)
            if self.group is not None:
                clash = clash.exclude(pk=self.group.pk)
            if clash.exists():
                self.add_error(
                    "name",
                    _("%(council)s already has a group called “%(name)s”")
                    % {"council": council.name, "name": name},
                )
        return cleaned


class AddMembersForm(forms.Form):
    members = _CouncillorsChoiceField(
        queryset=User.objects.none(),
        label=_("Councillors to add"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one councillor to add"),
            "invalid_choice": _("Choose councillors from the list"),
        },
    )

    def __init__(self, *args, group: CouncillorGroup, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["members"]).queryset = (
            User.objects.filter(
                council_id=group.council_id, role=User.Role.COUNCILLOR, is_staff=False
            )
            .exclude(group_memberships__group=group)
            .order_by("full_name", "email")
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.checkboxes("members", legend_size=Size.MEDIUM, small=True)
        )


class _AssessmentChoiceField(forms.ModelChoiceField):
    """Tells a person's assessments apart: when each was submitted (to the minute), its overall
    score, and which is the latest."""

    overall: dict[int, int | None] = {}
    latest_pk: int | None = None

    def label_from_instance(self, assessment):
        if assessment.is_submitted:
            when = timezone.localtime(assessment.submitted_at)
            label = gettext("Submitted on %(date)s at %(time)s") % {
                "date": formats.date_format(when, "j F Y"),
                "time": formats.time_format(when, "H:i"),
            }
            percentage = self.overall.get(assessment.pk)
            if percentage is not None:
                label += ", " + gettext("overall %(percentage)d%%") % {"percentage": percentage}
            if assessment.pk == self.latest_pk:
                label += " " + gettext("(latest)")
        else:
            label = gettext("In progress, started on %(date)s") % {
                "date": formats.date_format(assessment.created_at, "j F Y")
            }
        if assessment.group_id:
            label += " " + gettext("(now linked to %(group)s)") % {"group": assessment.group.name}
        return label


class LinkAssessmentForm(forms.Form):
    assessment = _AssessmentChoiceField(
        queryset=Assessment.objects.none(),
        label=_("Which of your assessments is for this group?"),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose the assessment you answered for this group"),
            "invalid_choice": _("Choose one of your own assessments"),
        },
    )

    def __init__(self, *args, user: User, group: CouncillorGroup, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(_AssessmentChoiceField, self.fields["assessment"])
        field.queryset = (
            Assessment.objects.filter(owner=user)
            .exclude(group=group)
            # A closed group keeps its answers: what is linked to one stays there.
            .exclude(group__status=CouncillorGroup.Status.CLOSED)
            .select_related("group")
            .order_by("-created_at")
        )
        # The scores are read once here, in two queries, not two per choice.
        submitted = [a for a in field.queryset if a.is_submitted]
        field.overall = answering.overall_percentages(submitted)
        # "Latest" is the person's latest of all, which may be linked to a closed group.
        field.latest_pk = (
            Assessment.objects.filter(owner=user, status=Assessment.Status.SUBMITTED)
            .order_by("-submitted_at", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.radios("assessment", legend_size=Size.SMALL))


def agreement_revision(agreement: GroupAgreement | None) -> str:
    """What the agreement form carries to tell a stale page: when the agreement was last saved,
    or nothing when there is none yet."""
    if agreement is None or agreement.pk is None:
        return ""
    return agreement.updated_at.isoformat()


class AgreementForm(ErrorBorderMixin, forms.ModelForm):
    """
    The group's agreed answer on one key action and, where it is a gap, its agreed action.

    Several of these sit on the group report, one beside each agenda item, so each takes the key
    action's code as its prefix. `scale` (the report's answer scale) gives the radios their
    choices without a query per form (without it they come from the database); the chosen
    answer is posted by its code. `revision` is
    the agreement's `agreement_revision` when the page was drawn: the view refuses the save when
    someone has saved the agreement since.
    """

    option = forms.ModelChoiceField(
        queryset=AnswerOption.objects.none(),
        to_field_name="code",
        label=_("The group’s agreed answer"),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the answer the group agreed")},
    )
    action_due_date = DueDateField(
        label=_("By when (optional)"),
        required=False,
        help_text=DATE_NOT_PAST,
    )
    revision = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = GroupAgreement
        fields = [
            "option",
            "note",
            "action_what",
            "action_lead",
            "action_due_date",
            "action_reported_to",
        ]
        labels = {
            "note": _("Notes from the discussion (optional)"),
            "action_what": _("Agreed action (optional)"),
            "action_lead": _("Who leads it? (optional)"),
            "action_reported_to": _("Where will progress be reported? (optional)"),
        }
        help_texts = {
            "action_what": _(
                "Where the agreed answer is “Partly” or “Not yet”: what the group will do, in a "
                "sentence or two."
            ),
            "action_lead": _("A person or a role, for example the leader or the chief executive."),
            "action_reported_to": _("A meeting or committee, for example cabinet."),
        }
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "action_what": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "note": {"max_length": _("The notes must be %(limit_value)d characters or fewer")},
            "action_what": {
                "max_length": _("The agreed action must be %(limit_value)d characters or fewer")
            },
            "action_lead": {
                "max_length": _("Who leads it must be %(limit_value)d characters or fewer")
            },
            "action_reported_to": {
                "max_length": _(
                    "Where progress will be reported must be %(limit_value)d characters or fewer"
                )
            },
        }

    def __init__(
        self,
        *args,
        group: CouncillorGroup,
        scale: Iterable[OptionInfo] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        option = cast(forms.ModelChoiceField, self.fields["option"])
        option.queryset = AnswerOption.objects.filter(checklist_id=group.checklist_id)
        if scale is not None:
            # After the queryset, which would reset them: the radios from the scale, with no
            # query per form (the queryset still checks the posted code).
            option.choices = [(o.code, o.label) for o in scale]
        if self.instance.option_id is not None:
            self.initial["option"] = self.instance.option.code
        self.initial["revision"] = agreement_revision(self.instance)
        cast(forms.CharField, self.fields["note"]).max_length = NOTE_MAX_LENGTH
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        self.helper.layout = Layout(
            # Small and in a row: five of these sit on the report, one beside each agenda item.
            Field.radios("option", legend_size=Size.SMALL, small=True, inline=True),
            Field.textarea("note", rows=2),
            Field.textarea("action_what", rows=2),
            Field.text("action_lead"),
            Field("action_due_date"),
            Field.text("action_reported_to"),
            "revision",
        )

    @property
    def agenda_helper(self) -> FormHelper:
        """The layout beside an agenda item: the answer and notes, then the action in a
        govuk-details, open when the agreement has one, so that five fit on the page."""
        helper = FormHelper()
        helper.form_tag = False
        helper.label_size = Size.SMALL
        helper.legend_size = Size.SMALL
        opened = " open" if self.instance.action_what else ""
        helper.layout = Layout(
            Field.radios("option", legend_size=Size.SMALL, small=True, inline=True),
            Field.textarea("note", rows=2),
            HTML(
                format_html(
                    '<details class="govuk-details app-agenda-item__action"{}>'
                    '<summary class="govuk-details__summary">'
                    '<span class="govuk-details__summary-text">{}</span></summary>'
                    '<div class="govuk-details__text">',
                    opened,
                    _("Agreed action: what, who leads, by when, where reported"),
                )
            ),
            Field.textarea("action_what", rows=2),
            Field.text("action_lead"),
            Field("action_due_date"),
            Field.text("action_reported_to"),
            HTML("</div></details>"),
            "revision",
        )
        return helper

    def is_stale(self) -> bool:
        """Whether the agreement was saved by someone else after this form's page was drawn.
        Call after `is_valid`; the view reads the agreement afresh (locked) as the instance."""
        return self.cleaned_data.get("revision", "") != agreement_revision(self.instance)

    def clean_action_due_date(self):
        due_date = self.cleaned_data["action_due_date"]
        # Only a changed date must not be in the past: an agreed date that has passed stays.
        if (
            due_date is not None
            and "action_due_date" in self.changed_data
            and due_date < timezone.localdate()
        ):
            raise ValidationError(_("The date must be today or in the future"), code="past")
        return due_date

    def clean(self):
        cleaned = super().clean()
        has_details = any(
            cleaned.get(name) for name in ("action_lead", "action_due_date", "action_reported_to")
        )
        if has_details and not cleaned.get("action_what") and "action_what" not in self.errors:
            self.add_error(
                "action_what", _("Enter the agreed action, or leave who, when and where empty")
            )
        return cleaned
