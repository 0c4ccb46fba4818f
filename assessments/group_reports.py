"""
The group report: read the group's recorded figures and its content, and assemble what
`assessments.scoring` makes of them (the spread, the area figures, the agenda and the shared gaps;
its module docstring states those rules, and the report's "How this report works" explains them).

Which answers count (PRODUCT.md section 6):

* while a group collects answers its report shows no figures, only how many members have
  submitted: each *current* member's latest submitted assessment that its author linked to the
  group (`counted_assessments`);
* when the group first moves on to its discussion (or straight to closed) with at least the
  minimum of those, their counts are recorded once, as the group's round (`GroupRound`, written
  by `groups.group_set_status`), and the report shows those figures from then on, whatever
  happens next: members removed, added back or swapped, assessments linked elsewhere,
  resubmitted or deleted. So no sequence of changes can give two versions of the report, PDF or
  CSV that differ by one person's answers: there is only ever one version.
* the minimum is `group_minimum(council)`: the service-wide `settings.GROUP_MIN_RESPONSES`, or
  the council's own if it set a higher one; a round below the current minimum is not shown.

Answers are matched to the group's checklist version by question code (and answer code), so a
member who answered an earlier or later version still counts where the key action is the same.

Everything comes from a fixed number of queries, whatever the size of the group: how many
members count (collecting) or the round (after); the round's counts; the group's questions,
answer scale and agreements.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext, ngettext

from assessments import scoring
from assessments.models import (
    Answer,
    AnswerOption,
    Area,
    Assessment,
    Council,
    CouncillorGroup,
    GroupAgreement,
    GroupRound,
    GroupRoundCount,
    Question,
)
from assessments.scoring_inputs import answer_scale, area_info


def group_minimum(council: Council) -> int:
    """How many members must be counted before a group of this council shows figures: the
    service-wide minimum, or the council's own when it is higher (a lower one is ignored)."""
    return max(settings.GROUP_MIN_RESPONSES, council.group_min_responses or 0)


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
    """{question code: {answer code: number of answers}} over the given assessments, one query.
    What a round records."""
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

    @property
    def counts_text(self) -> str:
        return counts_text(self)

    @property
    def prompts(self) -> list[str]:
        """The facilitator's discussion questions, one a line; blank lines left out."""
        return [
            line.strip() for line in self.question.discussion_prompts.splitlines() if line.strip()
        ]


def counts_text(row: scoring.QuestionSpread) -> str:
    """The answers members gave, as counts in scale order ("2 Yes, 2 Partly, 1 Not yet");
    answers nobody gave are left out."""
    return gettext(", ").join(f"{c.count} {c.option.label}" for c in row.counts if c.count)


@dataclass(frozen=True)
class AgendaItem:
    """One item of the group's agenda: its place (from 1), the key action and why it is there."""

    number: int
    row: QuestionRow
    reason: scoring.AgendaReason

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def is_shared_gap(self) -> bool:
        return self.reason == scoring.AgendaReason.SHARED_GAP

    @property
    def is_also_split_view(self) -> bool:
        """A shared gap on which members also answered differently: both facts are shown."""
        return self.is_shared_gap and self.row.is_split_view

    @property
    def explanation(self) -> str:
        """The counts that put the item on the agenda, in plain words (never a bare percentage)."""
        counts = counts_text(self.row)
        if not self.is_shared_gap:
            return gettext("Members answered differently: %(counts)s") % {"counts": counts}
        shared = ngettext(
            "%(gaps)d of %(answered)d member answered Partly or Not yet",
            "%(gaps)d of %(answered)d members answered Partly or Not yet",
            self.row.answered,
        ) % {"gaps": self.row.gap_count, "answered": self.row.answered}
        if self.is_also_split_view:
            return gettext("%(shared)s. Members also answered differently: %(counts)s") % {
                "shared": shared,
                "counts": counts,
            }
        return gettext("%(shared)s: %(counts)s") % {"shared": shared, "counts": counts}


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
    recorded_at: datetime.datetime | None  # when the round was recorded; None while collecting
    scale: tuple[scoring.OptionInfo, ...]
    areas: tuple[AreaRow, ...]  # empty below the minimum
    overall: scoring.Score | None
    agenda: tuple[AgendaItem, ...]  # at most the group's agenda size, in agenda order
    agreed_all: tuple[QuestionRow, ...]  # no disagreement: everyone sure answered alike
    shared_gaps: tuple[QuestionRow, ...]
    shared_strengths: tuple[QuestionRow, ...]  # most members answered Yes; leaflet order

    @property
    def is_shown(self) -> bool:
        return self.is_recorded and self.responses >= self.minimum

    @property
    def is_councils_minimum(self) -> bool:
        """Whether the minimum is the council's own, above the service-wide one."""
        return self.minimum > settings.GROUP_MIN_RESPONSES

    @property
    def is_recorded(self) -> bool:
        return self.recorded_at is not None

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
    def agreed_actions(self) -> tuple[QuestionRow, ...]:
        """The key actions whose agreement has an action: the agenda's first, in agenda order,
        then the others in leaflet order. The group's action plan."""
        on_agenda = [item.row for item in self.agenda]
        codes = {row.code for row in on_agenda}
        rows = on_agenda + [q for q in self.questions if q.code not in codes]
        return tuple(r for r in rows if r.agreement is not None and r.agreement.action_what)

    @property
    def scored_options(self) -> list[scoring.OptionInfo]:
        return [o for o in self.scale if o.is_scored]

    @property
    def unscored_options(self) -> list[scoring.OptionInfo]:
        return [o for o in self.scale if not o.is_scored]


def build_group_report(group: CouncillorGroup, *, member_count: int | None = None) -> GroupReport:
    """
    The report of a group fetched with its checklist and council. Before its round is recorded
    (or when the round is below the current minimum) it holds only the number of responses: two
    queries (the round, then the live count). With a round shown, four more: the round's counts,
    the questions with their areas, the answer scale, and the agreements.
    """
    if member_count is None:
        member_count = group.memberships.count()
    minimum = group_minimum(group.council)
    round_ = GroupRound.objects.filter(group_id=group.pk).first()
    responses = counted_assessments(group).count() if round_ is None else round_.responses
    if round_ is None or responses < minimum:
        return GroupReport(
            group=group,
            minimum=minimum,
            responses=responses,
            member_count=member_count,
            recorded_at=None if round_ is None else round_.recorded_at,
            scale=(),
            areas=(),
            overall=None,
            agenda=(),
            agreed_all=(),
            shared_gaps=(),
            shared_strengths=(),
        )

    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in GroupRoundCount.objects.filter(round=round_):
        counts[row.question_code][row.option_code] = row.count
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
    result = scoring.score_group(rows, scale=scale, agenda_size=group.agenda_size)
    areas = {question.area.code: question.area for question in questions}
    return GroupReport(
        group=group,
        minimum=minimum,
        responses=responses,
        member_count=member_count,
        recorded_at=round_.recorded_at,
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
        agenda=tuple(
            AgendaItem(number=number, row=row, reason=reason)
            for number, (row, reason) in enumerate(result.agenda, start=1)
        ),
        agreed_all=result.agreed_by_all,
        shared_gaps=result.shared_gaps,
        shared_strengths=result.shared_strengths,
    )
