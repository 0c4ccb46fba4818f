"""
The group report: the spread of members' answers, the discussion agenda and the shared gaps.

Which answers count (PRODUCT.md section 6):

* each *current* member's latest submitted assessment that its author linked to the group; a
  removed member's assessments stay as they were but drop out of the figures;
* nothing is shown until at least `settings.GROUP_MIN_RESPONSES` members count; below that the
  report says only how many more are needed.

Answers are matched to the group's checklist version by question code (and answer code), so a
member who answered an earlier or later version still counts where the key action is the same.

Everything comes from aggregate queries, a fixed number whatever the size of the group: how many
members count; how many of them gave each answer to each question (grouped by question code and
answer code, in the database); the group's questions, answer scale and agreements.

The rules, stated in the report's "How this report works":

* **Spread**: the number of members giving each answer to each key action.
* **Area figures** are computed as in the individual report (`assessments.scoring`), over every
  counted answer in the area: points ÷ full marks of the scored answers; "Not sure" left out.
* **Disagreement** of a key action is the variance of the scored answers (Yes 2, Partly 1,
  Not yet 0) as a share of the largest variance possible (half "Yes", half "Not yet"), shown as a
  whole percentage: 0 % when everyone sure gave the same answer, 100 % for an even Yes/Not yet
  split. "Not sure" answers are left out of the measure (they neither agree nor disagree), and
  are shown beside it. A key action with fewer than two scored answers has no disagreement.
* **Agenda**: the key actions with some disagreement, most disagreement first; ties broken by
  research priority first, then leaflet order.
* **Shared gap**: a key action that more than half of the members who answered it answered
  "Partly" or "Not yet". Ranked like an individual's gaps: research priorities first, then more
  members with the gap, then more "Not yet", then leaflet order.
"""

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery

from assessments import scoring
from assessments.models import (
    Answer,
    AnswerOption,
    Area,
    Assessment,
    CouncillorGroup,
    GroupAgreement,
    Question,
)
from assessments.reports import _area_info, _option_info


def counted_assessments(group: CouncillorGroup) -> QuerySet[Assessment]:
    """Each current member's latest submitted assessment linked to the group (unevaluated)."""
    latest = (
        Assessment.objects.filter(
            group_id=group.pk, owner_id=OuterRef("owner_id"), status=Assessment.Status.SUBMITTED
        )
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    return Assessment.objects.filter(
        group_id=group.pk,
        status=Assessment.Status.SUBMITTED,
        owner__group_memberships__group_id=group.pk,
        pk=Subquery(latest),
    )


def answer_counts(assessments: QuerySet[Assessment]) -> dict[str, dict[str, int]]:
    """{question code: {answer code: number of answers}} over the given assessments, one query."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        Answer.objects.filter(assessment__in=assessments, option__isnull=False)
        .values_list("question__code", "option__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for question_code, option_code, n in rows:
        counts[question_code][option_code] = n
    return counts


def disagreement(counts: dict[str, int], scale: list[scoring.OptionInfo]) -> Fraction | None:
    """
    The variance of the scored answers as a share of the largest possible (see the module
    docstring); None with fewer than two scored answers.
    """
    scored = [(o.points, counts.get(o.code, 0)) for o in scale if o.points is not None]
    n = sum(c for _, c in scored)
    max_points = max((p for p, _ in scored), default=0)
    if n < 2 or max_points == 0:
        return None
    mean = Fraction(sum(p * c for p, c in scored), n)
    variance = Fraction(sum(c * (p - mean) ** 2 for p, c in scored), n)
    return variance / Fraction(max_points, 2) ** 2


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    counts: tuple[scoring.OptionCount, ...]  # in the order of the answer scale
    answered: int
    disagreement: Fraction | None
    gap_count: int  # Partly or Not yet
    lowest_count: int  # the scale's fewest points (Not yet)
    agreement: GroupAgreement | None

    @property
    def code(self) -> str:
        return self.question.code

    @property
    def disagreement_percent(self) -> int | None:
        if self.disagreement is None:
            return None
        # Half up: floor(x + ½) for a non-negative fraction.
        return int(self.disagreement * 100 + Fraction(1, 2))

    @property
    def not_sure(self) -> int:
        return sum(c.count for c in self.counts if not c.option.is_scored)

    @property
    def is_shared_gap(self) -> bool:
        return self.answered > 0 and 2 * self.gap_count > self.answered

    @property
    def leaflet_order(self) -> tuple[int, int]:
        return (self.question.area.order, self.question.order)

    @property
    def segments(self) -> list[tuple[scoring.OptionCount, int]]:
        """Each answer with its share of the bar, in steps of 5 % that add up to 100 % (largest
        remainder), so that the drawn bar is never wider than its box."""
        if not self.answered:
            return []
        steps = 100 // scoring.BAR_STEP
        exact = [Fraction(c.count * steps, self.answered) for c in self.counts]
        whole = [int(x) for x in exact]
        spare = steps - sum(whole)
        for i in sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))[:spare]:
            whole[i] += 1
        return [
            (count, w * scoring.BAR_STEP)
            for count, w in zip(self.counts, whole, strict=True)
            if count.count
        ]


@dataclass(frozen=True)
class AreaRow:
    area: Area
    score: scoring.Score
    questions: tuple[QuestionRow, ...]


@dataclass(frozen=True)
class GroupReport:
    group: CouncillorGroup
    minimum: int
    responses: int
    member_count: int
    scale: tuple[scoring.OptionInfo, ...]
    areas: tuple[AreaRow, ...]  # empty below the minimum
    overall: scoring.Score | None
    agenda: tuple[QuestionRow, ...]
    agreed_all: tuple[QuestionRow, ...]  # no disagreement: everyone sure answered alike
    shared_gaps: tuple[QuestionRow, ...]

    @property
    def is_shown(self) -> bool:
        return self.responses >= self.minimum

    @property
    def more_needed(self) -> int:
        return max(self.minimum - self.responses, 0)

    @property
    def checklist(self):
        return self.group.checklist

    @property
    def questions(self) -> tuple[QuestionRow, ...]:
        return tuple(q for area in self.areas for q in area.questions)

    @property
    def agreements(self) -> tuple[QuestionRow, ...]:
        return tuple(q for q in self.questions if q.agreement is not None)

    @property
    def scored_options(self) -> list[scoring.OptionInfo]:
        return [o for o in self.scale if o.is_scored]

    @property
    def unscored_options(self) -> list[scoring.OptionInfo]:
        return [o for o in self.scale if not o.is_scored]


def agenda_key(row: QuestionRow) -> tuple:
    """Most disagreement first; then research priorities; then leaflet order."""
    return (-(row.disagreement or 0), not row.question.is_research_priority, *row.leaflet_order)


def shared_gap_key(row: QuestionRow) -> tuple:
    """Research priorities first; then more members with the gap; more Not yet; leaflet order."""
    return (
        not row.question.is_research_priority,
        -row.gap_count,
        -row.lowest_count,
        *row.leaflet_order,
    )


def build_group_report(group: CouncillorGroup, *, member_count: int | None = None) -> GroupReport:
    """
    The report of a group fetched with its checklist. Below the minimum it holds only the
    number of responses: two queries (members, responses). Above it, four more: the counts, the
    questions with their areas, the answer scale, and the agreements.
    """
    if member_count is None:
        member_count = group.memberships.count()
    counted = counted_assessments(group)
    responses = counted.count()
    minimum = settings.GROUP_MIN_RESPONSES
    if responses < minimum:
        return GroupReport(
            group=group,
            minimum=minimum,
            responses=responses,
            member_count=member_count,
            scale=(),
            areas=(),
            overall=None,
            agenda=(),
            agreed_all=(),
            shared_gaps=(),
        )

    counts = answer_counts(counted)
    questions = list(
        Question.objects.filter(area__checklist_id=group.checklist_id)
        .select_related("area")
        .order_by("area__order", "order")
    )
    scale = [
        _option_info(o)
        for o in AnswerOption.objects.filter(checklist_id=group.checklist_id).order_by("order")
    ]
    agreements = {
        a.question_id: a
        for a in GroupAgreement.objects.filter(group=group).select_related("option", "updated_by")
    }

    max_points = max((o.points for o in scale if o.points is not None), default=0)
    lowest = min((o.points for o in scale if o.points is not None), default=None)
    rows_by_area = defaultdict(list)
    areas = {}
    replicated = []  # one ScoringAnswer per counted answer, for the area figures
    for question in questions:
        question_counts = counts.get(question.code, {})
        option_counts = tuple(scoring.OptionCount(o, question_counts.get(o.code, 0)) for o in scale)
        row = QuestionRow(
            question=question,
            counts=option_counts,
            answered=sum(c.count for c in option_counts),
            disagreement=disagreement(question_counts, scale),
            gap_count=sum(
                c.count for c in option_counts if scoring.is_gap(c.option.points, max_points)
            ),
            lowest_count=sum(
                c.count for c in option_counts if lowest is not None and c.option.points == lowest
            ),
            agreement=agreements.get(question.pk),
        )
        areas[question.area.code] = question.area
        rows_by_area[question.area.code].append(row)
        for c in option_counts:
            replicated.extend([_scoring_answer(question, c.option, max_points)] * c.count)

    result = scoring.score(replicated, areas=[_area_info(a) for a in areas.values()], scale=scale)
    area_rows = tuple(
        AreaRow(
            area=areas[area_score.area.code],
            score=area_score.score,
            questions=tuple(rows_by_area[area_score.area.code]),
        )
        for area_score in result.areas
    )
    all_rows = [row for area in area_rows for row in area.questions]
    return GroupReport(
        group=group,
        minimum=minimum,
        responses=responses,
        member_count=member_count,
        scale=tuple(scale),
        areas=area_rows,
        overall=result.overall,
        agenda=tuple(sorted((r for r in all_rows if r.disagreement), key=agenda_key)),
        agreed_all=tuple(r for r in all_rows if r.disagreement == 0),
        shared_gaps=tuple(sorted((r for r in all_rows if r.is_shared_gap), key=shared_gap_key)),
    )


def _scoring_answer(
    question: Question, option: scoring.OptionInfo, max_points: int
) -> scoring.ScoringAnswer:
    return scoring.ScoringAnswer(
        area=_area_info(question.area),
        question_code=question.code,
        question_order=question.order,
        summary=question.summary,
        text=question.text,
        is_research_priority=question.is_research_priority,
        research_finding=question.research_finding,
        option=option,
        max_points=max_points,
    )
