"""
The national overview: how councils across the country answered, for the service's admins.

Answers are read only as counts, and only from councils with at least
`settings.GROUP_MIN_RESPONSES` councillors who submitted (or the council's own minimum, if it
raised it), so no council's figures can point to a few people.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, Value
from django.db.models.functions import Coalesce, Greatest

from assessments.models import (
    Answer,
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    Question,
)


@dataclass(frozen=True)
class OptionShare:
    option: AnswerOption
    count: int
    percentage: int


@dataclass(frozen=True)
class QuestionSpread:
    question: Question
    total: int
    shares: tuple[OptionShare, ...]


@dataclass(frozen=True)
class AreaSpread:
    area: Area
    questions: tuple[QuestionSpread, ...]


@dataclass(frozen=True)
class Overview:
    checklist: ChecklistVersion | None
    options: tuple[AnswerOption, ...]
    areas: tuple[AreaSpread, ...]
    councils_included: int
    councils_excluded: int
    assessments_counted: int
    min_responses: int


def national_overview() -> Overview:
    """
    Across all councils, how submitted assessments answered each key action.

    Counted in the database, in seven queries whatever the amount of data: per council, how many
    councillors submitted (councils below `GROUP_MIN_RESPONSES` are left out, so no council's
    figures can point to a few people); per question code and answer code, how many answers
    came from the councils kept (the same per-council query, with HAVING, as a subquery); and
    the published checklist, its answer scale and its questions to lay them out. Every submitted assessment counts, a councillor's earlier ones included;
    answers match the published checklist by their stable codes.
    """
    minimum = settings.GROUP_MIN_RESPONSES
    submitted = Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, owner__council__isnull=False
    )
    # A council that raised its own minimum is held to it here too.
    councils_minimum = Greatest(
        Value(minimum),
        Coalesce("owner__council__group_min_responses", 0),
        output_field=IntegerField(),
    )
    per_council = (
        submitted.order_by()
        .values("owner__council")
        .annotate(
            people=Count("owner", distinct=True),
            assessments=Count("pk"),
            minimum=councils_minimum,
        )
    )
    included = 0
    excluded = 0
    assessments_counted = 0
    for row in per_council:
        if row["people"] >= row["minimum"]:
            included += 1
            assessments_counted += row["assessments"]
        else:
            excluded += 1
    eligible = per_council.filter(people__gte=councils_minimum).values("owner__council")
    # Grouped by the answer's own foreign keys, so the 400,000-row scan joins only what the
    # filter needs; ids become codes below, across every checklist version, in two small queries.
    by_ids = list(
        Answer.objects.filter(
            assessment__status=Assessment.Status.SUBMITTED,
            assessment__owner__council__in=eligible,
            option__isnull=False,
        )
        .order_by()
        .values_list("question_id", "option_id")
        .annotate(n=Count("pk"))
    )
    question_codes = dict(
        Question.objects.filter(pk__in={q for q, _, _ in by_ids}).values_list("pk", "code")
    )
    option_codes = dict(
        AnswerOption.objects.filter(pk__in={o for _, o, _ in by_ids}).values_list("pk", "code")
    )
    counts: defaultdict[tuple[str, str], int] = defaultdict(int)
    for question_id, option_id, n in by_ids:
        counts[question_codes[question_id], option_codes[option_id]] += n

    checklist = ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()
    if checklist is None:
        return Overview(None, (), (), included, excluded, assessments_counted, minimum)
    options = tuple(AnswerOption.objects.filter(checklist=checklist).order_by("order"))
    by_area = defaultdict(list)
    areas = {}
    for question in Question.objects.filter(area__checklist=checklist).select_related("area"):
        row_counts = [counts.get((question.code, option.code), 0) for option in options]
        total = sum(row_counts)
        shares = tuple(
            OptionShare(option, n, round(100 * n / total) if total else 0)
            for option, n in zip(options, row_counts, strict=True)
        )
        by_area[question.area_id].append(QuestionSpread(question, total, shares))
        areas[question.area_id] = question.area
    area_rows = tuple(
        AreaSpread(area, tuple(by_area[area.pk]))
        for area in sorted(areas.values(), key=lambda a: a.order)
    )
    return Overview(checklist, options, area_rows, included, excluded, assessments_counted, minimum)
