"""
The group report: read the members' answers and the group's content, and assemble what
`assessments.scoring` makes of them (the spread, the area figures, the agenda and the shared gaps;
its module docstring states those rules, and the report's "How this report works" explains them).

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
"""

from collections import defaultdict
from dataclasses import dataclass

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
from assessments.scoring_inputs import answer_scale, area_info


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


@dataclass(frozen=True)
class QuestionRow(scoring.QuestionSpread):
    """A key action's spread (its figures are `scoring.QuestionSpread`'s), with the question
    itself and the group's agreed answer beside it."""

    question: Question
    agreement: GroupAgreement | None

    @property
    def code(self) -> str:
        return self.question_code


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
    scale = answer_scale(AnswerOption.objects.filter(checklist_id=group.checklist_id))
    agreements = {
        a.question_id: a
        for a in GroupAgreement.objects.filter(group=group).select_related("option", "updated_by")
    }

    rows = [
        QuestionRow(
            area=area_info(question.area),
            question_code=question.code,
            question_order=question.order,
            is_research_priority=question.is_research_priority,
            counts=tuple(
                scoring.OptionCount(o, counts.get(question.code, {}).get(o.code, 0)) for o in scale
            ),
            question=question,
            agreement=agreements.get(question.pk),
        )
        for question in questions
    ]
    result = scoring.score_group(rows, scale=scale)
    areas = {question.area.code: question.area for question in questions}
    return GroupReport(
        group=group,
        minimum=minimum,
        responses=responses,
        member_count=member_count,
        scale=tuple(scale),
        areas=tuple(
            AreaRow(
                area=areas[area_score.area.code],
                score=area_score.score,
                questions=tuple(r for r in rows if r.area.code == area_score.area.code),
            )
            for area_score in result.areas
        ),
        overall=result.overall,
        agenda=result.agenda,
        agreed_all=result.agreed_by_all,
        shared_gaps=result.shared_gaps,
    )
