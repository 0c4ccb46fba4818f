"""Helpers shared by the answering tests: posting an area page and reading error summaries."""

import re

from django.urls import reverse

from assessments.models import (
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    Question,
)


def area_url(assessment: Assessment, area_code: str) -> str:
    return reverse("assessments:area", args=[assessment.pk, area_code])


def check_url(assessment: Assessment) -> str:
    return reverse("assessments:check_answers", args=[assessment.pk])


def submit_url(assessment: Assessment) -> str:
    return reverse("assessments:submit", args=[assessment.pk])


def detail_url(assessment: Assessment) -> str:
    return reverse("assessments:assessment_detail", args=[assessment.pk])


def area_data(
    assessment: Assessment,
    area_code: str,
    answers: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
    *,
    default: str | None = None,
    after: str = "continue",
    revision: int | None = None,
) -> dict[str, str]:
    """
    The POST data of one area page: `answers` maps question code to answer code; questions not
    in it get `default` (or are left unanswered). The revision defaults to the stored one.
    """
    answers, notes = answers or {}, notes or {}
    options = {o.code: o.pk for o in AnswerOption.objects.filter(checklist=assessment.checklist)}
    if revision is None:
        revision = Assessment.objects.get(pk=assessment.pk).revision
    data = {"revision": str(revision), "after": after}
    for question in Question.objects.filter(
        area__checklist=assessment.checklist, area__code=area_code
    ):
        code = answers.get(question.code, default)
        if code:
            data[question.code] = str(options[code])
        data[f"{question.code}-note"] = notes.get(question.code, "")
    return data


def save_area(client, assessment: Assessment, area_code: str, **kwargs):
    answers = kwargs.pop("answers", None)
    notes = kwargs.pop("notes", None)
    return client.post(
        area_url(assessment, area_code), area_data(assessment, area_code, answers, notes, **kwargs)
    )


def area_codes(checklist: ChecklistVersion) -> list[str]:
    return list(
        Area.objects.filter(checklist=checklist).order_by("order").values_list("code", flat=True)
    )


def ids_on(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def error_summary_links(html: str) -> list[str]:
    """The href of every link in the page's error summary (empty when there is none)."""
    match = re.search(r'class="govuk-list govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'href="([^"]+)"', match.group(1)) if match else []
