"""
Forms for answering the checklist: one form per area page, the start choice and the submit button.

Field names on an area page are the question codes (`encourage-creativity`) and, for notes, the
code with `-note`; the answer values are the primary keys of this checklist version's options.
So an answer from another version's scale, or a question that is not on the page, is refused
rather than quietly saved.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Div, Field, Layout, Size
from django import forms
from django.db import models
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.answering import RewordedQuestion
from assessments.models import (
    NOTE_MAX_LENGTH,
    Answer,
    AnswerOption,
    CouncillorGroup,
    Question,
    StepReview,
    User,
)

NOTE_SUFFIX = "-note"
# Lean single templates for the two fields of a question: see the comments in each.
QUESTION_TEMPLATE = "assessments/answering/_question.html"
NOTE_TEMPLATE = "assessments/answering/_note_field.html"
# Sent with every POST but not part of the answers; see AreaAnswersForm.clean().
ALLOWED_EXTRA_KEYS = {"csrfmiddlewaretoken"}
# Where a page opened from "Check your answers" goes back to after saving. A fixed set of names,
# never a URL, so the value can never send anyone to another site.
RETURN_FIELD = "return"
RETURN_TO_CHECK = "check"
UNANSWERED = "unanswered"


def _percent_safe(text: str) -> str:
    """Error messages are %-formatted by Django; a “%” in question text must survive that."""
    return text.replace("%", "%%")


class QuestionStatus(models.TextChoices):
    """Where a question on an area page stands, from its saved answer."""

    OPEN = "open", gettext_lazy("Not answered")
    PREFILLED = "prefilled", gettext_lazy("From your last assessment: check and save")
    CHANGED = "changed", gettext_lazy("Question changed")
    ANSWERED = "answered", gettext_lazy("Answered")


@dataclass(frozen=True)
class AreaQuestion:
    """A question on an area page with its saved answer, if any."""

    question: Question
    answer: Answer | None
    reworded: RewordedQuestion | None = None  # asked in other words when last answered

    @property
    def status(self) -> QuestionStatus:
        """
        Open when nothing is saved or an answer was saved empty; changed while a question
        reworded since the person last answered it has no answer yet; pre-filled while an
        answer carried over from the last assessment waits to be confirmed; otherwise answered.
        """
        answer = self.answer
        if self.reworded is not None and (answer is None or answer.option_id is None):
            return QuestionStatus.CHANGED
        if answer is None or (answer.option_id is None and answer.confirmed):
            return QuestionStatus.OPEN
        if not answer.confirmed:
            return QuestionStatus.PREFILLED
        return QuestionStatus.ANSWERED


class OptionField(forms.ChoiceField):
    """A radio choice among one checklist version's answer options; cleans to the option."""

    widget = forms.RadioSelect

    def __init__(self, *, options: Iterable[AnswerOption], **kwargs):
        options = list(options)
        self.options_by_value = {str(option.pk): option for option in options}
        super().__init__(
            choices=[Choice(str(o.pk), o.label, hint=o.hint) for o in options],
            required=False,
            **kwargs,
        )

    def clean(self, value) -> AnswerOption | None:
        return self.options_by_value.get(super().clean(value))


class NoteField(forms.CharField):
    """Free text. Browsers send line breaks as two characters; the character count counts one."""

    def to_python(self, value) -> str:
        text = super().to_python(value)
        return text.replace("\r\n", "\n") if text else ""


class HiddenFieldErrorsMixin:
    """
    Hidden fields never appear in the error summary, so a problem with one (a tampered or
    truncated page) is reported as an error on the whole form instead of vanishing.
    """

    hidden_field_error = gettext_lazy(
        "Something went wrong with this page, so nothing was saved. "
        "Check your answers and try again."
    )

    def clean(self):
        cleaned_data = super().clean()
        if any(self.has_error(field.name) for field in self.hidden_fields()):
            raise forms.ValidationError(self.hidden_field_error, code="hidden")
        return cleaned_data


class AreaAnswersForm(HiddenFieldErrorsMixin, forms.Form):
    """
    The answers on one area's page: for each question, a radio choice and an optional note.

    Every answer may be left open (the assessment is a draft until it is submitted). The
    `revision` is the assessment's revision when the page was rendered; the save is refused if
    it has moved on. `after` is which button was pressed.

    The form is built without the saved answers, because a save that succeeds never reads them;
    a page that is shown (a GET, or a POST with errors) passes them to `show_saved_answers`.
    """

    CONTINUE = "continue"
    LATER = "later"

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    after = forms.ChoiceField(
        choices=[
            (CONTINUE, gettext_lazy("Save and continue")),
            (LATER, gettext_lazy("Save and come back later")),
        ],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(
        self,
        *args,
        questions: list[Question],
        options: list[AnswerOption],
        revision: int,
        return_to: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["revision"].initial = revision
        self.fields[RETURN_FIELD] = return_field(initial=return_to)
        for question in questions:
            code = question.code
            self.fields[code] = OptionField(
                options=options,
                label=question.text,
                error_messages={
                    "invalid_choice": _percent_safe(
                        _("Choose one of the answers shown for “%(question)s”")
                        % {"question": question.text}
                    )
                },
            )
            self.fields[code + NOTE_SUFFIX] = NoteField(
                label=format_html(
                    _('Your note<span class="govuk-visually-hidden"> on “{}”</span> (optional)'),
                    question.summary,
                ),
                help_text=_("What do you do now, or what could you do?"),
                max_length=NOTE_MAX_LENGTH,
                required=False,
                error_messages={
                    "max_length": _percent_safe(
                        _("Your note on “%(question)s” must be 2,000 characters or fewer")
                        % {"question": question.summary}
                    )
                },
            )
        self.show_saved_answers({})

    def show_saved_answers(
        self, answers: dict[int, Answer], reworded: dict[int, RewordedQuestion] | None = None
    ) -> None:
        """
        Show each question with its saved answer ({question id: answer}): its status in the
        question's hint and, on a page not yet sent, the saved choice and note filled in.
        `reworded` ({question id: what it was}) marks the questions asked in other words since
        the person last answered them.
        """
        reworded = reworded or {}
        # On a first visit every question is open; marking them all would only be noise.
        self.marks_open = bool(answers)
        self.area_questions = tuple(
            AreaQuestion(q, answers.get(q.pk), reworded.get(q.pk)) for q in self.questions
        )
        for item in self.area_questions:
            code, answer = item.question.code, item.answer
            self.initial[code] = str(answer.option_id) if answer and answer.option_id else None
            self.initial[code + NOTE_SUFFIX] = answer.note if answer else ""
            hint = _hint(item, mark_open=self.marks_open)
            # The bound field copies the hint when it is made, and validating a POST makes it.
            self.fields[code].help_text = self[code].help_text = hint

    def show_posted_answers(self, reworded: dict[int, RewordedQuestion] | None = None) -> None:
        """
        Show each question's status from what was sent, not from what is saved: on a page shown
        again with errors, a question answered on the page counts as answered (saving confirms
        what is on the page) and one left open is marked open (or changed, see
        `show_saved_answers`).
        """
        reworded = reworded or {}
        cleaned = getattr(self, "cleaned_data", {})
        self.marks_open = True
        self.area_questions = tuple(
            AreaQuestion(q, Answer(option=cleaned.get(q.code), confirmed=True), reworded.get(q.pk))
            for q in self.questions
        )
        for item in self.area_questions:
            hint = _hint(item, mark_open=True)
            self.fields[item.question.code].help_text = self[item.question.code].help_text = hint

    def add_unanswered_errors(self) -> list[Question]:
        """
        "Save and continue" checks the area: each question sent without an answer gets an error
        on its fieldset. Call after the answers were saved; returns the open questions.
        """
        unanswered = [q for q in self.questions if self.cleaned_data.get(q.code) is None]
        for question in unanswered:
            self.add_error(
                question.code,
                forms.ValidationError(
                    _percent_safe(_("Answer “%(question)s”") % {"question": question.text}),
                    code=UNANSWERED,
                ),
            )
        return unanswered

    @property
    def error_links(self) -> list[tuple[str, str]]:
        """
        The error summary's items, (message, link), in page order. An unanswered question links
        to its fieldset (`#<question code>`); any other error to its field; an error on the
        whole form to the first question.
        """
        first = f"#{self[self.questions[0].code].auto_id}" if self.questions else "#main-content"
        links = [(str(error), first) for error in self.non_field_errors()]
        for question in self.questions:
            for name in (question.code, question.code + NOTE_SUFFIX):
                for error in self.errors.as_data().get(name, []):
                    anchor = question.code if error.code == UNANSWERED else self[name].auto_id
                    links.extend((str(message), f"#{anchor}") for message in error)
        return links

    @property
    def return_to(self) -> str:
        return validated_return_to(self)

    @property
    def open_count(self) -> int:
        """Questions still to answer or confirm."""
        return sum(item.status != QuestionStatus.ANSWERED for item in self.area_questions)

    @cached_property
    def helper(self) -> FormHelper:
        """The page's layout, built only when the form is shown (a successful save is not)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True  # the template's <form> carries the token
        helper.layout = Layout(
            *(
                Div(
                    Field(question.code, template=QUESTION_TEMPLATE),
                    Field(question.code + NOTE_SUFFIX, template=NOTE_TEMPLATE),
                    css_class="app-question",
                )
                for question in self.questions
            )
        )
        return helper

    def clean(self):
        cleaned_data = super().clean()
        # Only this page's questions may be answered here: a question from another page or
        # another checklist version means the page was tampered with, so nothing is saved.
        unknown = set(self.data) - set(self.fields) - ALLOWED_EXTRA_KEYS
        if unknown:
            raise forms.ValidationError(
                _(
                    "Some of the answers sent are not for the questions on this page, so nothing "
                    "was saved. Check your answers and save again."
                ),
                code="unknown_question",
            )
        return cleaned_data

    def answers(self) -> dict[Question, tuple[AnswerOption | None, str]]:
        """The cleaned answers, in the shape `assessment_save_area` takes."""
        return {
            q: (self.cleaned_data[q.code], self.cleaned_data[q.code + NOTE_SUFFIX])
            for q in self.questions
        }

    @property
    def saves_and_continues(self) -> bool:
        return self.cleaned_data.get("after") != self.LATER


STATUS_TAGS = {
    QuestionStatus.OPEN: "govuk-tag--grey",
    QuestionStatus.PREFILLED: "govuk-tag--blue",
    QuestionStatus.CHANGED: "govuk-tag--orange",
}


def _hint(item: AreaQuestion, *, mark_open: bool):
    question, status = item.question, item.status
    parts: list[str] = []
    if status in (QuestionStatus.PREFILLED, QuestionStatus.CHANGED) or (
        mark_open and status == QuestionStatus.OPEN
    ):
        parts.append(
            format_html(
                '<strong class="govuk-tag {}">{}</strong>', STATUS_TAGS[status], status.label
            )
        )
    if item.reworded is not None:
        earlier = item.reworded
        parts.append(
            _(
                "This question has changed since you last answered. Last time it asked "
                "“%(question)s” and you answered “%(answer)s”."
            )
            % {"question": earlier.earlier_text, "answer": earlier.earlier_answer}
            if earlier.earlier_answer
            else _(
                "This question has changed since you last answered. Last time it asked "
                "“%(question)s”."
            )
            % {"question": earlier.earlier_text}
        )
        if status == QuestionStatus.CHANGED:
            parts.append(_("Choose the answer that fits the question as it is asked now."))
    if question.is_research_priority:
        parts.append(
            _("The research found this one of the most important areas for further action.")
        )
    hint = format_html_join(" ", "{}", ((part,) for part in parts))
    if question.guidance:
        # "What good looks like" in the hint, so a screen reader hears it with the question.
        guidance = format_html(
            '<span class="govuk-!-display-block govuk-!-margin-top-2">'
            '<strong class="govuk-!-font-weight-bold">{}</strong> {}</span>',
            _("What good looks like:"),
            question.guidance,
        )
        return format_html("{}{}", hint, guidance)
    return hint


class StartForGroupForm(forms.Form):
    """Which group an assessment is started for (`?group=` on "Before you start"): one of the
    person's own groups, whatever its status, so that a group that has moved on can be named in
    the refusal; anything else is not theirs to name."""

    group = forms.ModelChoiceField(queryset=CouncillorGroup.objects.none(), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = CouncillorGroup.objects.filter(memberships__user=user)

    @property
    def chosen_group(self) -> CouncillorGroup | None:
        return self.cleaned_data["group"]


class StartForm(forms.Form):
    """The choice offered when a person has submitted an assessment before."""

    FROM_PREVIOUS = "previous"
    BLANK = "blank"

    start_from = forms.ChoiceField(
        label=gettext_lazy("How do you want to start?"),
        choices=[
            Choice(
                FROM_PREVIOUS,
                gettext_lazy("Start from your last answers"),
                hint=gettext_lazy(
                    "Your answers and notes are filled in. You check and confirm each one."
                ),
            ),
            Choice(BLANK, gettext_lazy("Start with a blank checklist")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose how you want to start your new assessment")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field.radios("start_from", legend_size=Size.MEDIUM))

    @property
    def from_previous(self) -> bool:
        return self.cleaned_data["start_from"] == self.FROM_PREVIOUS


def return_field(*, initial: str = "") -> forms.ChoiceField:
    """The hidden field that carries where to go back to after saving, from a fixed set."""
    return forms.ChoiceField(
        choices=[("", ""), (RETURN_TO_CHECK, RETURN_TO_CHECK)],
        required=False,
        initial=initial,
        widget=forms.HiddenInput,
    )


def validated_return_to(form: forms.Form) -> str:
    """
    Where a page goes back to after saving ("check" or ""): on a page not yet sent, what its
    link asked for; on a page sent, the value sent, once checked against the fixed set.
    """
    if not form.is_bound:
        return form.fields[RETURN_FIELD].initial or ""
    return getattr(form, "cleaned_data", {}).get(RETURN_FIELD, "")


class ReturnToForm(forms.Form):
    """Reads `?return=` from a link into a page: a value outside the fixed set is ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[RETURN_FIELD] = return_field()

    @property
    def return_to(self) -> str:
        return self.cleaned_data[RETURN_FIELD] if self.is_valid() else ""


class StepReviewsForm(HiddenFieldErrorsMixin, forms.Form):
    """
    "Review your last plan": for each step planned last time, how it went. Field names are
    `review-<id>`; every outcome may be left open until "Save and continue" checks them.
    """

    CONTINUE = AreaAnswersForm.CONTINUE
    LATER = AreaAnswersForm.LATER

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    after = forms.ChoiceField(
        choices=[(CONTINUE, CONTINUE), (LATER, LATER)], required=False, widget=forms.HiddenInput
    )

    def __init__(
        self, *args, reviews: list[StepReview], revision: int, return_to: str = "", **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.reviews = reviews
        self.fields["revision"].initial = revision
        self.fields[RETURN_FIELD] = return_field(initial=return_to)
        for review in reviews:
            self.fields[review_field(review)] = forms.ChoiceField(
                label=review_legend(review),
                choices=StepReview.Outcome.choices,
                required=False,
                initial=review.outcome or None,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": _("Choose one of the outcomes shown for this step")
                },
            )

    def clean(self):
        cleaned_data = super().clean()
        unknown = set(self.data) - set(self.fields) - ALLOWED_EXTRA_KEYS
        if unknown:
            raise forms.ValidationError(
                _(
                    "Some of the answers sent are not for the steps on this page, so nothing "
                    "was saved. Check your answers and save again."
                ),
                code="unknown_review",
            )
        return cleaned_data

    def outcomes(self) -> dict[StepReview, str]:
        """The cleaned outcomes, in the shape `assessment_review_steps` takes."""
        return {r: self.cleaned_data[review_field(r)] or "" for r in self.reviews}

    def add_unanswered_errors(self) -> list[StepReview]:
        unanswered = [r for r in self.reviews if not self.cleaned_data.get(review_field(r))]
        for review in unanswered:
            self.add_error(
                review_field(review),
                forms.ValidationError(
                    _percent_safe(
                        _("Say how “%(what)s” went") % {"what": review.step.answer.question.summary}
                    ),
                    code=UNANSWERED,
                ),
            )
        return unanswered

    @property
    def error_links(self) -> list[tuple[str, str]]:
        first = f"#{review_field(self.reviews[0])}" if self.reviews else "#main-content"
        links = [(str(error), first) for error in self.non_field_errors()]
        for review in self.reviews:
            name = review_field(review)
            for error in self.errors.as_data().get(name, []):
                links.extend((str(message), f"#{name}") for message in error)
        return links

    @property
    def bound_reviews(self) -> list[tuple[StepReview, forms.BoundField]]:
        return [(review, self[review_field(review)]) for review in self.reviews]

    @property
    def return_to(self) -> str:
        return validated_return_to(self)

    @property
    def saves_and_continues(self) -> bool:
        return self.cleaned_data.get("after") != self.LATER


def review_field(review: StepReview) -> str:
    return f"review-{review.pk}"


def review_legend(review: StepReview) -> str:
    """“You planned: <what> (by <due date>), for “<key action>”” for a step of the last plan."""
    step = review.step
    # A step written as a sentence ends in a full stop, which would sit before "(by ...)".
    values = {"what": step.what.strip().rstrip("."), "summary": step.answer.question.summary}
    if step.due_date:
        values["due"] = formats.date_format(step.due_date, "j F Y")
        return _("You planned: %(what)s (by %(due)s), for “%(summary)s”") % values
    return _("You planned: %(what)s, for “%(summary)s”") % values


class SubmitForm(HiddenFieldErrorsMixin, forms.Form):
    """The "Submit assessment" button, carrying the revision the person checked."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
