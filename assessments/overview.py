"""
The national overview: how councils across the country answered, for the service's admins.

Answers are read only as counts, and only from councils with at least
`settings.GROUP_MIN_RESPONSES` councillors who submitted (or the council's own minimum, if it
raised it), so no council's figures can point to a few people.

`national_overview` reads the per-council counts that `assessments.overview_counts` keeps, so
its cost grows with the number of councils, not with the years of assessments behind them.
`national_overview_from_answers` is the same overview counted from every submitted answer, as
it was before those counts existed: kept to check them against, and to benchmark.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from assessments.models import (
    Answer,
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    CouncilAnswerCount,
    CouncilSubmissions,
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


def _councils_minimum(council: str) -> Greatest:
    """A council's minimum: the service's, or the council's own if it raised it (read through
    the lookup `council`)."""
    return Greatest(
        Value(settings.GROUP_MIN_RESPONSES),
        Coalesce(f"{council}__group_min_responses", 0),
        output_field=IntegerField(),
    )


def national_overview() -> Overview:
    """
    Across all councils, how submitted assessments answered each key action.

    Read from the kept counts (`assessments.overview_counts`), in seven queries whatever the
    amount of data: per council, how many people submitted and how many assessments they hold
    (councils below their minimum are left out, so no council's figures can point to a few
    people); per question and answer, the sum of the counts of the councils kept (the same
    per-council query, with the minimum, as a subquery); the codes of those questions and
    answers; and the published checklist, its answer scale and its questions to lay them out.
    Every submitted assessment counts, a councillor's earlier ones included; answers match the
    published checklist by their stable codes.
    """
    per_council = CouncilSubmissions.objects.filter(people__gt=0).annotate(
        minimum=_councils_minimum("council")
    )
    rows = per_council.values_list("people", "assessments", "minimum")
    eligible = per_council.filter(people__gte=_councils_minimum("council")).values("council")
    by_ids = (
        CouncilAnswerCount.objects.filter(council__in=eligible, count__gt=0)
        .order_by()
        .values_list("question_id", "option_id")
        .annotate(n=Sum("count"))
    )
    return _laid_out(rows, by_ids)


def national_overview_from_answers() -> Overview:
    """
    The same overview as `national_overview`, counted from every submitted answer (in the same
    seven queries, the per-council one and the answers' one scanning every submission): how it
    was built before the counts were kept.
    """
    submitted = Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, owner__council__isnull=False
    )
    per_council = (
        submitted.order_by()
        .values("owner__council")
        .annotate(
            people=Count("owner", distinct=True),
            assessments=Count("pk"),
            minimum=_councils_minimum("owner__council"),
        )
    )
    rows = per_council.values_list("people", "assessments", "minimum")
    eligible = per_council.filter(people__gte=_councils_minimum("owner__council")).values(
        "owner__council"
    )
    # Grouped by the answer's own foreign keys, so the scan joins only what the filter needs.
    by_ids = (
        Answer.objects.filter(
            assessment__status=Assessment.Status.SUBMITTED,
            assessment__owner__council__in=eligible,
            option__isnull=False,
        )
        .order_by()
        .values_list("question_id", "option_id")
        .annotate(n=Count("pk"))
    )
    return _laid_out(rows, by_ids)


def _laid_out(per_council: QuerySet, by_ids: QuerySet) -> Overview:
    """
    The overview from `per_council` (people, assessments, minimum: one row per council with
    submissions) and `by_ids` (question id, answer option id, count, from the councils kept).
    Ids become codes across every checklist version, in two small queries, and the counts are
    laid out on the published checklist.
    """
    minimum = settings.GROUP_MIN_RESPONSES
    included = 0
    excluded = 0
    assessments_counted = 0
    for people, assessments, councils_minimum in per_council:
        if people >= councils_minimum:
            included += 1
            assessments_counted += assessments
        else:
            excluded += 1
    id_counts: list[tuple[int, int, int]] = list(by_ids)
    question_codes = dict(
        Question.objects.filter(pk__in={q for q, _, _ in id_counts}).values_list("pk", "code")
    )
    option_codes = dict(
        AnswerOption.objects.filter(pk__in={o for _, o, _ in id_counts}).values_list("pk", "code")
    )
    counts: defaultdict[tuple[str, str], int] = defaultdict(int)
    for question_id, option_id, n in id_counts:
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
