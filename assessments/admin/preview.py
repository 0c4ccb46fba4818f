"""
Admin pages for the preview of a version as a councillor sees it: its task list, each area's
page, Check your answers and a sample report, drawn with the councillor's own templates.

Nothing is saved, and nothing can be: the area pages have no form to send, and the answers
on Check your answers and in the sample report are made up (`made_up_answers`), never saved
rows. So a draft can be read as it will be answered before it is published.

Each page reads the version, its areas, questions and answer scale in a fixed number of
queries, whatever the number of questions. Staff with view permission on checklist versions
only: `admin_view` sends anyone else to the admin sign-in, and a staff user without the
permission gets 403.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from assessments import reports
from assessments.answering import TaskStatus
from assessments.forms.answering import AreaAnswersForm
from assessments.models import (
    Answer,
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    Question,
    Quote,
)
from assessments.translation import localized

# Every third key action carries a made-up note, so the notes' place shows without crowding.
NOTE_EVERY = 3


def urls(model_admin) -> list[URLPattern]:
    def view(function):
        return model_admin.admin_site.admin_view(require_safe(function))

    def bind(function):
        def bound(request, pk: int, **kwargs):
            version = _version_for(request, model_admin, pk)
            # Admin is not under /cy/, so a preview asks for its language in the address, and
            # is drawn in it (content and the councillor's words alike); its language switch
            # leads to the same preview page in the other language.
            language = request.GET.get("language", settings.LANGUAGE_CODE)
            if language not in dict(settings.LANGUAGES):
                language = settings.LANGUAGE_CODE
            with translation.override(language):
                response = function(request, model_admin, version, **kwargs)
                other = "cy" if language == settings.LANGUAGE_CODE else settings.LANGUAGE_CODE
                with translation.override(other):
                    response.context_data["language_switch_url"] = _in_language(request.path)
                return response.render()

        return bound

    name = "assessments_checklistversion_preview"
    return [
        path("<int:pk>/preview/", view(bind(preview_home)), name=name),
        path(
            "<int:pk>/preview/areas/<slug:area_code>/",
            view(bind(preview_area)),
            name=f"{name}_area",
        ),
        path("<int:pk>/preview/check/", view(bind(preview_check)), name=f"{name}_check"),
        path("<int:pk>/preview/report/", view(bind(preview_report)), name=f"{name}_report"),
    ]


def _version_for(request, model_admin, pk: int) -> ChecklistVersion:
    """The version to preview: 404 if there is none, 403 without view permission on it."""
    version = get_object_or_404(ChecklistVersion, pk=pk)
    if not model_admin.has_view_permission(request, version):
        raise PermissionDenied
    return version


@dataclass(frozen=True)
class PreviewContent:
    """A version's areas (in order, each with its first quote), questions and answer scale."""

    areas: list[Area]
    questions: list[Question]
    options: list[AnswerOption]

    def questions_of(self, area: Area) -> list[Question]:
        return [q for q in self.questions if q.area_id == area.pk]


def preview_content(version: ChecklistVersion) -> PreviewContent:
    """Three queries: the areas with the text of their first quote, the questions with their
    area and quote, and the answer options."""
    first_quote = (
        Quote.objects.filter(area=OuterRef("pk"))
        .order_by("order")
        .annotate(localized_text=localized("text"))
        .values("localized_text")[:1]
    )
    return PreviewContent(
        areas=list(
            Area.objects.filter(checklist=version)
            .annotate(quote_text=Subquery(first_quote))
            .order_by("order")
        ),
        questions=list(
            Question.objects.filter(checklist=version)
            .select_related("area", "quote")
            .order_by("area__order", "order")
        ),
        options=list(AnswerOption.objects.filter(checklist=version).order_by("order")),
    )


def made_up_answers(
    *, assessment: Assessment, questions: list[Question], options: list[AnswerOption]
) -> list[Answer]:
    """
    Unsaved answers to every question, the same on every visit: the options taken in turn
    down the version's scale (the first question gets the first option, the next the second,
    and so on, starting again at the top), and a made-up note on every third key action.
    """
    if not options:
        return []
    note = _("A made-up note: this is where a councillor says what they do now, or could do.")
    return [
        Answer(
            assessment=assessment,
            question=question,
            option=options[index % len(options)],
            note=note if index % NOTE_EVERY == 0 else "",
        )
        for index, question in enumerate(questions)
    ]


def _sample_assessment(request, version: ChecklistVersion) -> Assessment:
    """An assessment that is never saved, as if submitted now by the admin previewing."""
    return Assessment(
        checklist=version,
        owner=request.user,
        status=Assessment.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


def _context(model_admin, version: ChecklistVersion, **extra) -> dict:
    return {
        "version": version,
        "version_url": reverse("admin:assessments_checklistversion_change", args=[version.pk]),
        "home_url": _in_language(
            reverse("admin:assessments_checklistversion_preview", args=[version.pk])
        ),
        "check_url": _in_language(
            reverse("admin:assessments_checklistversion_preview_check", args=[version.pk])
        ),
        "report_url": _in_language(
            reverse("admin:assessments_checklistversion_preview_report", args=[version.pk])
        ),
        "opts": model_admin.model._meta,
        "Status": ChecklistVersion.Status,
        **extra,
    }


def preview_home(request, model_admin, version: ChecklistVersion):
    """The preview's home, shaped like the councillor's task list."""
    content = preview_content(version)
    counts: dict[int, int] = defaultdict(int)
    for question in content.questions:
        counts[question.area_id] += 1
    tasks = [(area, counts[area.pk], _area_url(version, area.code)) for area in content.areas]
    return TemplateResponse(
        request,
        "admin/assessments/preview/home.html",
        _context(
            model_admin,
            version,
            tasks=tasks,
            question_count=len(content.questions),
            TaskStatus=TaskStatus,
        ),
    )


def preview_area(request, model_admin, version: ChecklistVersion, area_code: str):
    """An area's page as a councillor first sees it, with no form to send."""
    content = preview_content(version)
    areas = content.areas
    position = next((i for i, a in enumerate(areas) if a.code == area_code), None)
    if position is None:
        raise Http404("No such area in this checklist version.")
    current = areas[position]
    form = AreaAnswersForm(
        questions=content.questions_of(current), options=content.options, revision=0
    )
    return TemplateResponse(
        request,
        "admin/assessments/preview/area.html",
        _context(
            model_admin,
            version,
            area=current,
            area_number=position + 1,
            area_count=len(areas),
            form=form,
            open_count=form.open_count,
            answered_count=len(form.questions) - form.open_count,
            previous_url=_area_url(version, areas[position - 1].code) if position else None,
            next_url=(
                _area_url(version, areas[position + 1].code)
                if position + 1 < len(areas)
                else _in_language(
                    reverse("admin:assessments_checklistversion_preview_check", args=[version.pk])
                )
            ),
            is_last=position + 1 == len(areas),
        ),
    )


def preview_check(request, model_admin, version: ChecklistVersion):
    """Check your answers, with the made-up answers; each Change link opens the preview's
    own area page."""
    content = preview_content(version)
    answers = made_up_answers(
        assessment=_sample_assessment(request, version),
        questions=content.questions,
        options=content.options,
    )
    by_question = {answer.question.pk: answer for answer in answers}
    sections = [
        # (question, answer, reworded since last answered): a sample has no earlier answers.
        (area, [(q, by_question.get(q.pk), None) for q in content.questions_of(area)])
        for area in content.areas
    ]
    return TemplateResponse(
        request,
        "admin/assessments/preview/check.html",
        _context(model_admin, version, sections=sections),
    )


def preview_report(request, model_admin, version: ChecklistVersion):
    """A sample report from the made-up answers, with the real report's partials."""
    content = preview_content(version)
    assessment = _sample_assessment(request, version)
    report = reports.report_from_answers(
        assessment=assessment,
        answers=made_up_answers(
            assessment=assessment, questions=content.questions, options=content.options
        ),
        areas=content.areas,
        options=content.options,
    )
    return TemplateResponse(
        request,
        "admin/assessments/preview/report.html",
        _context(model_admin, version, report=report),
    )


def _area_url(version: ChecklistVersion, area_code: str) -> str:
    return _in_language(
        reverse("admin:assessments_checklistversion_preview_area", args=[version.pk, area_code])
    )


def _in_language(url: str) -> str:
    """`url` in the active language: a Welsh preview's links all stay in Welsh."""
    language = translation.get_language()
    return url if language == settings.LANGUAGE_CODE else f"{url}?language={language}"
