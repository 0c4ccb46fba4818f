"""
Django admin for the checklist content: versions, areas, questions, quotes and the answer scale.

Which versions can be edited (PRODUCT.md section 4):

* A version with answers from councillors is read-only, with everything that hangs off it, so a
  submitted assessment keeps the wording it was answered against. So is a retired version.
* A draft, and a published version nobody has answered yet, can be edited in place.
* Status only changes through "Copy as new draft version" and "Publish" on the version's own
  page, publishing only after its confirmation page (see `assessments.admin.publishing` and
  `assessments.versioning`). The published version cannot be deleted.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Exists, Max, OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from assessments.admin import preview, publishing
from assessments.admin.history import ContentHistoryAdmin, answer_option_changes
from assessments.models import Answer, AnswerOption, Area, ChecklistVersion, Question, Quote
from assessments.translation import ENGLISH, WELSH, column
from assessments.versioning import checklist_copy_as_draft

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

COPY_ACTION = "Copy as new draft version"
WITH_ANSWERS = (
    "Version {number} has answers from councillors, so it cannot be changed. Use “"
    + COPY_ACTION
    + "” on the list of checklist versions to make a new draft, edit the draft, then publish it."
)
RETIRED = (
    "Version {number} is retired, so it cannot be changed. Use “"
    + COPY_ACTION
    + "” on the list of checklist versions to start a new draft from it."
)
# The leaflet's wording runs long: give it room.
# English and Welsh side by side: two boxes to a line fit a 1280 px window.
WIDE_WIDGETS: Mapping[type[models.Field], Mapping[str, Any]] = {
    models.CharField: {"widget": forms.TextInput(attrs={"size": 50})},
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 50})},
}


# Where each field is shown to people, said beside it in admin (the models' own help texts are
# shorter; saying it here needs no migration). `paragraphs` and "- " lists: templatetags/content.py.
HELP_TEXTS: Mapping[tuple[type[models.Model], str], "StrOrPromise"] = {
    (ChecklistVersion, "number"): _(
        "Stable, never reused: how admins tell versions apart. Shown only in admin; reports "
        "name the title."
    ),
    (ChecklistVersion, "title"): _(
        "Named with its publication date in every report and PDF, as the checklist answered."
    ),
    (ChecklistVersion, "introduction"): _(
        "Shown on the start page, under the service's name, while this version is published. "
        "Blank lines separate paragraphs."
    ),
    (ChecklistVersion, "innovation_definition"): _(
        "Shown on the start page, in “How this report works” and in the blank checklist. "
        "Lines starting “- ” are a list."
    ),
    (ChecklistVersion, "key_findings"): _(
        "Shown on the start page and in “How this report works”. Lines starting “- ” are a list."
    ),
    (Area, "code"): _(
        "Stable code; never changes once answered. Not shown to people: it matches areas "
        "across versions."
    ),
    (Area, "order"): _("Where the area comes in the checklist, the task list and reports."),
    (Area, "title"): _(
        "As in the leaflet's summary. The area's name on the start page, the task list, its "
        "page of questions, reports and PDFs."
    ),
    (Area, "introduction"): _("Shown under the area's heading, above its questions."),
    (Question, "code"): _(
        "Stable code, unique in the version. Not shown to people: it matches answers across "
        "versions."
    ),
    (Question, "order"): _("Where the key action comes in its area."),
    (Question, "summary"): _(
        "The key action, e.g. “Encourage creativity”: its name in reports, PDFs, the action "
        "plan and group agendas."
    ),
    (Question, "text"): _(
        "The question, e.g. “Do you encourage creativity?”: asked on the area's page, in "
        "“Check your answers” and in the blank checklist."
    ),
    (Question, "quote"): _(
        "The leaflet quote that speaks to this key action, from the same version: shown "
        "beside it in the report's gaps and action plan."
    ),
    (Question, "is_research_priority"): _(
        "One of the research's most important areas for further action: said under the "
        "question, and put first among the report's gaps."
    ),
    (Question, "research_finding"): _(
        "The finding's own wording, for research priorities: shown in the report's action plan."
    ),
    (Quote, "order"): _(
        "Where the quote comes in its area. The first is shown on the area's page of questions."
    ),
    (Quote, "text"): _(
        "A leading politician's words. The area's first quote is shown on its page of "
        "questions; a quote chosen for a key action, beside it in the report."
    ),
    (AnswerOption, "code"): _("Stable code. Not shown to people: it matches answers."),
    (AnswerOption, "order"): _("Where the answer comes in every question's choices."),
    (AnswerOption, "label"): _("A choice under every question, and the answer in reports."),
    (AnswerOption, "points"): _("Leave empty for “Not sure”: not scored."),
    (AnswerOption, "hint"): _("Shown under the choice's label on every question."),
}


# Said under every Welsh box: the fixtures' Welsh is the service's own translation.
WELSH_REVIEW = _(
    "The Welsh wording. Translations should be reviewed by the council's Welsh-language "
    "officer before go-live."
)


def both(field_name: str) -> tuple[str, str]:
    """A translated field's English and Welsh columns, shown side by side."""
    return column(field_name, ENGLISH), column(field_name, WELSH)


def with_help_text(db_field, kwargs: dict[str, Any]) -> dict[str, Any]:
    # A translated column (`title_cy`) has its field's help text; the Welsh one says who
    # reviews it.
    original = getattr(db_field, "translated_field", db_field)
    help_text = HELP_TEXTS.get((db_field.model, original.name))
    if original is not db_field and db_field.language == WELSH:
        help_text = format_lazy("{} {}", help_text, WELSH_REVIEW) if help_text else WELSH_REVIEW
    return {"help_text": help_text, **kwargs} if help_text else kwargs


def lock_reason(request, checklist: ChecklistVersion | None) -> str | None:
    """Why `checklist` cannot be changed, or None if it can. Remembered for the request, as
    admin asks about permissions many times a page."""
    if checklist is None or checklist.pk is None:
        return None
    reasons = request.__dict__.setdefault("_checklist_lock_reasons", {})
    if checklist.pk not in reasons:
        reasons[checklist.pk] = _lock_reason(checklist)
    return reasons[checklist.pk]


def _lock_reason(checklist: ChecklistVersion) -> str | None:
    if checklist.status == ChecklistVersion.Status.RETIRED:
        return RETIRED.format(number=checklist.number)
    if checklist.has_answers():
        return WITH_ANSWERS.format(number=checklist.number)
    return None


def editable_versions():
    """Versions whose content may still change: not retired, and nobody has answered them."""
    answers = Answer.objects.filter(assessment__checklist=OuterRef("pk"))
    return ChecklistVersion.objects.exclude(status=ChecklistVersion.Status.RETIRED).exclude(
        Exists(answers)
    )


class VersionLockAdmin(ContentHistoryAdmin):
    """An admin page that turns read-only, saying why, once its checklist version is locked,
    with its history (admin/history.py)."""

    formfield_overrides = WIDE_WIDGETS

    def checklist_of(self, obj) -> ChecklistVersion:
        raise NotImplementedError

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return super().formfield_for_dbfield(db_field, request, **with_help_text(db_field, kwargs))

    def has_change_permission(self, request, obj=None):
        if obj is not None and lock_reason(request, self.checklist_of(obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and lock_reason(request, self.checklist_of(obj)):
            return False
        return super().has_delete_permission(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        reason = obj is not None and lock_reason(request, self.checklist_of(obj))
        if reason:
            messages.warning(request, reason)
        return super().render_change_form(request, context, add, change, form_url, obj)


# A table row has room for short boxes only: sized so that every column fits a 1280 px window.
COMPACT_WIDGETS: Mapping[type[models.Field], Mapping[str, Any]] = {
    models.CharField: {"widget": forms.TextInput(attrs={"size": 20})},
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})},
}


class VersionLockInline:
    """An inline that is read-only while its parent's checklist version is locked.

    `field_widgets` gives a field its own box, where the default would not fit its column."""

    formfield_overrides: ClassVar[Mapping[type[models.Field], Mapping[str, Any]]] = WIDE_WIDGETS
    field_widgets: ClassVar[Mapping[str, forms.Widget]] = {}
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.field_widgets:
            kwargs["widget"] = self.field_widgets[db_field.name]
        kwargs = with_help_text(db_field, kwargs)
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(self, admin.TabularInline):
            # A table's boxes have their column heading, not a label: name each for a screen
            # reader (and axe), as the heading does for sighted people.
            formfield.widget.attrs.setdefault("aria-label", str(formfield.label))
        return formfield

    def checklist_of(self, parent) -> ChecklistVersion:
        raise NotImplementedError

    def _locked(self, request, parent) -> bool:
        return parent is not None and bool(lock_reason(request, self.checklist_of(parent)))

    def has_add_permission(self, request, obj=None):
        return not self._locked(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._locked(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(request, obj) and super().has_delete_permission(request, obj)


class VersionFilter(admin.SimpleListFilter):
    title = "checklist version"
    parameter_name = "version"
    lookup = "area__checklist__number"

    def lookups(self, request, model_admin):
        return [
            (v.number, f"Version {v.number} ({v.get_status_display().lower()})")
            for v in ChecklistVersion.objects.all()
        ]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.lookup: self.value()}) if self.value() else queryset


class AreaFilter(admin.SimpleListFilter):
    """Areas by code, so one choice covers the same area in every version."""

    title = "area"
    parameter_name = "area"

    def lookups(self, request, model_admin):
        areas = Area.objects.order_by("order", "checklist__number").values_list("code", "title")
        return list(dict(areas).items())

    def queryset(self, request, queryset):
        return queryset.filter(area__code=self.value()) if self.value() else queryset


class ResearchPriorityFilter(admin.SimpleListFilter):
    title = "research priority"
    parameter_name = "priority"

    def lookups(self, request, model_admin):
        return [("yes", "Research priorities"), ("no", "Other key actions")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_research_priority=self.value() == "yes")
        return queryset


class InEditableAreaForm(forms.ModelForm):
    """Offers only areas of versions that can still change; an existing row stays in its own
    version."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area_field = self.fields.get("area")
        if isinstance(area_field, forms.ModelChoiceField):
            areas = Area.objects.filter(checklist__in=editable_versions())
            if self.instance.pk:
                areas = areas.filter(checklist_id=self.instance.area.checklist_id)
            area_field.queryset = areas.select_related("checklist").order_by(
                "-checklist__number", "order"
            )
            area_field.label_from_instance = lambda area: (
                f"{area.title} (version {area.checklist.number})"
            )


class QuestionForm(InEditableAreaForm):
    class Meta:
        model = Question
        fields = [
            "area",
            "code",
            "order",
            *both("summary"),
            *both("text"),
            *both("guidance"),
            "quote",
            *both("discussion_prompts"),
            "is_research_priority",
            *both("research_finding"),
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        quote_field = self.fields.get("quote")
        if isinstance(quote_field, forms.ModelChoiceField):
            # A key action's quote comes from its own version (any of its areas): an existing
            # question offers only those; a new one, those of the versions that can still change.
            quotes = Quote.objects.select_related("area").order_by("area__order", "order")
            if self.instance.pk:
                quotes = quotes.filter(area__checklist_id=self.instance.area.checklist_id)
            else:
                quotes = quotes.filter(area__checklist__in=editable_versions())
            quote_field.queryset = quotes
            quote_field.label_from_instance = lambda quote: f"{quote.area.title}: {quote}"

    def clean(self):
        cleaned_data = super().clean()
        code = cleaned_data.get("code")
        area = cleaned_data.get("area") or (
            Area.objects.filter(pk=self.instance.area_id).first() if self.instance.area_id else None
        )
        if area is not None:
            # `checklist` is not on the form: it always follows the area (see QuestionQuerySet).
            self.instance.checklist_id = area.checklist_id
        quote = cleaned_data.get("quote")
        if quote is not None and area is not None and quote.area.checklist_id != area.checklist_id:
            self.add_error("quote", "Choose a quote from this question's own checklist version.")
        if code and area:
            # The database refuses a code used twice in a version; this says so plainly first.
            clash = (
                Question.objects.filter(checklist_id=area.checklist_id, code=code)
                .exclude(pk=self.instance.pk)
                .select_related("area")
                .first()
            )
            if clash:
                self.add_error(
                    "code",
                    f"The question “{clash.summary}” in the area “{clash.area.title}” already "
                    "uses this code. Each question code must be unique in a version.",
                )
        return cleaned_data


class TableFormSet(forms.BaseInlineFormSet):
    """A tabular inline's rows: each row's "Delete" box is named, as its other boxes are (see
    `VersionLockInline.formfield_for_dbfield`), since a table cell has no label of its own."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")


class QuestionInlineFormSet(forms.BaseInlineFormSet):
    """An area's questions: two of them given the same code in one save is refused plainly.
    (Django checks the formset's unique constraints only on fields the forms show, and
    `checklist` is not one.)"""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            code = form.cleaned_data.get("code")
            if code in seen:
                form.add_error(
                    "code",
                    "Two questions on this page use this code. Each question code must be unique in a version.",
                )
            elif code:
                seen.add(code)


class QuoteForm(InEditableAreaForm):
    class Meta:
        model = Quote
        fields = ["area", "order", *both("text")]


# --- Checklist versions --------------------------------------------------------------------


class AnswerOptionInline(VersionLockInline, admin.TabularInline):
    model = AnswerOption
    formset = TableFormSet
    fields = ["order", "code", *both("label"), "points", *both("hint")]
    formfield_overrides = COMPACT_WIDGETS
    field_widgets = {
        "code": forms.TextInput(attrs={"size": 7}),
        **{name: forms.TextInput(attrs={"size": 9}) for name in both("label")},
        # A hint runs to a sentence: it wraps, so all of it can be read.
        **{name: forms.Textarea(attrs={"rows": 5, "cols": 14}) for name in both("hint")},
    }
    ordering = ["order"]

    def checklist_of(self, parent):
        return parent


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(VersionLockAdmin):
    list_display = ["number", "title", "status", "published_at", "assessment_count", "based_on"]
    list_display_links = ["number", "title"]
    list_filter = ["status"]
    search_fields = [*both("title")]
    ordering = ["-number"]
    actions = ["copy_as_draft"]
    inlines = [AnswerOptionInline]
    readonly_fields = [
        "status",
        "based_on",
        "created_at",
        "published_at",
        "published_by",
        "area_links",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    both("title"),
                    "status",
                    "based_on",
                    "created_at",
                    ("published_at", "published_by"),
                ]
            },
        ),
        (
            "Start page and reports",
            {
                "fields": [
                    both("introduction"),
                    both("innovation_definition"),
                    both("key_findings"),
                ]
            },
        ),
        ("Content", {"fields": ["area_links"]}),
    ]

    def checklist_of(self, obj):
        return obj

    def get_urls(self):
        # The version's own pages: preview as a councillor sees it (admin/preview.py), and
        # copy, compare and publish (admin/publishing.py). Before the defaults, which would
        # take "<pk>/preview/" for an object's change page.
        return [*preview.urls(self), *publishing.urls(self), *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        # Answer options are edited on the version's page, so their history is shown here.
        checklist = self.get_object(request, object_id)
        options = answer_option_changes(checklist=checklist) if checklist is not None else None
        return super().history_view(
            request, object_id, extra_context={**(extra_context or {}), "option_changes": options}
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("based_on")
            .annotate(assessment_count=Count("assessments"))
        )

    def has_delete_permission(self, request, obj=None):
        # New assessments start on the published version; there must always be one.
        if obj is not None and obj.status == ChecklistVersion.Status.PUBLISHED:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="Assessments", ordering="assessment_count")
    def assessment_count(self, obj):
        return obj.assessment_count

    @admin.display(description="Areas")
    def area_links(self, obj):
        if obj.pk is None:
            return "Save the version first, then add its areas."
        areas = obj.areas.annotate(
            question_count=Count("questions", distinct=True),
            quote_count=Count("quotes", distinct=True),
        ).order_by("order")
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({} questions, {} quotes)</li>',
            (
                (
                    reverse("admin:assessments_area_change", args=[area.pk]),
                    area.title,
                    area.question_count,
                    area.quote_count,
                )
                for area in areas
            ),
        )
        listing = format_html("<ol>{}</ol>", items) if areas else "No areas yet."
        if _lock_reason(obj):
            return listing
        add_url = reverse("admin:assessments_area_add") + f"?checklist={obj.pk}"
        return format_html('{}<p><a href="{}">Add an area</a></p>', listing, add_url)

    def get_readonly_fields(self, request, obj=None):
        # The number is the version's natural key: fixtures and copies rely on it.
        if obj is not None:
            return ["number", *self.readonly_fields]
        return self.readonly_fields

    def get_changeform_initial_data(self, request):
        highest = ChecklistVersion.objects.aggregate(highest=Max("number"))["highest"] or 0
        return {"number": highest + 1, **super().get_changeform_initial_data(request)}

    @admin.action(description=COPY_ACTION, permissions=["add"])
    def copy_as_draft(self, request, queryset):
        for checklist in queryset.order_by("number"):
            copy = checklist_copy_as_draft(checklist=checklist, copied_by=request.user)
            self.message_user(
                request,
                format_html(
                    _(
                        'Version {} copied as draft version {}. <a href="{}">Edit the draft</a>, '
                        "then publish it."
                    ),
                    checklist.number,
                    copy.number,
                    reverse("admin:assessments_checklistversion_change", args=[copy.pk]),
                ),
                messages.SUCCESS,
            )


# --- Areas, questions and quotes -----------------------------------------------------------


class QuestionInline(VersionLockInline, admin.StackedInline):
    model = Question
    form = QuestionForm
    formset = QuestionInlineFormSet
    fields = [
        ("order", "code"),
        both("summary"),
        both("text"),
        "is_research_priority",
        both("research_finding"),
        both("guidance"),
        "quote",
        both("discussion_prompts"),
    ]
    ordering = ["order"]

    def checklist_of(self, parent):
        return parent.checklist


class QuoteInline(VersionLockInline, admin.TabularInline):
    model = Quote
    formset = TableFormSet
    fields = ["order", *both("text")]
    formfield_overrides = COMPACT_WIDGETS
    field_widgets = {name: forms.Textarea(attrs={"rows": 4, "cols": 40}) for name in both("text")}
    ordering = ["order"]

    def checklist_of(self, parent):
        return parent.checklist


@admin.register(Area)
class AreaAdmin(VersionLockAdmin):
    list_display = ["title", "code", "order", "checklist", "question_count"]
    list_display_links = ["title"]
    list_filter = [("checklist", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["checklist"]
    search_fields = [*both("title"), "code"]
    ordering = ["-checklist__number", "order"]
    fields = ["checklist", "order", "code", both("title"), both("introduction")]
    inlines = [QuestionInline, QuoteInline]

    def checklist_of(self, obj):
        return obj.checklist

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description="Questions", ordering="question_count")
    def question_count(self, obj):
        return obj.question_count

    def get_readonly_fields(self, request, obj=None):
        # An area stays in the version it was made in.
        return ["checklist"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "checklist":
            kwargs["queryset"] = editable_versions()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Question)
class QuestionAdmin(VersionLockAdmin):
    form = QuestionForm
    list_display = ["summary", "code", "area_title", "research_priority", "version"]
    list_filter = [VersionFilter, AreaFilter, ResearchPriorityFilter]
    list_select_related = ["area__checklist"]
    search_fields = ["code", *both("summary"), *both("text")]
    ordering = ["-area__checklist__number", "area__order", "order"]
    fieldsets = [
        (None, {"fields": ["area", "order", "code"]}),
        ("Wording", {"fields": [both("summary"), both("text"), both("guidance"), "quote"]}),
        ("For group meetings", {"fields": [both("discussion_prompts")]}),
        ("Research priority", {"fields": ["is_research_priority", both("research_finding")]}),
    ]

    def checklist_of(self, obj):
        return obj.area.checklist

    @admin.display(description="Area", ordering="area__order")
    def area_title(self, obj):
        return obj.area.title

    @admin.display(description="Research priority", boolean=True)
    def research_priority(self, obj):
        return obj.is_research_priority

    @admin.display(description="Version", ordering="area__checklist__number")
    def version(self, obj):
        return obj.area.checklist.number


@admin.register(Quote)
class QuoteAdmin(VersionLockAdmin):
    form = QuoteForm
    list_display = ["__str__", "area_title", "order", "version"]
    list_filter = [VersionFilter, AreaFilter]
    list_select_related = ["area__checklist"]
    search_fields = [*both("text")]
    ordering = ["-area__checklist__number", "area__order", "order"]
    fields = ["area", "order", both("text")]
    formfield_overrides = {
        **WIDE_WIDGETS,
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 5, "cols": 80})},
    }

    def checklist_of(self, obj):
        return obj.area.checklist

    @admin.display(description="Area", ordering="area__order")
    def area_title(self, obj):
        return obj.area.title

    @admin.display(description="Version", ordering="area__checklist__number")
    def version(self, obj):
        return obj.area.checklist.number
