"""
The gap report of one submitted assessment: load it, score it, gather what the templates show.
Also the short summary of each submitted assessment on the councillor's dashboard.

Everything is read in a fixed number of queries, whatever the number of questions: the answers
(with their questions, areas, options and action steps), the areas with their quotes, the answer
scales, and the owner's previous submitted assessment with its answers. The rules themselves live
in `assessments.scoring`.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, Max, Prefetch, QuerySet

from assessments import scoring
from assessments.models import (
    ActionStep,
    Answer,
    AnswerOption,
    Area,
    Assessment,
    Quote,
)

# By name: inside Report, `scoring` is the report's field, not the module.
from assessments.scoring import OptionInfo, Progress
from assessments.scoring_inputs import answer_scale, area_info, scoring_answer

BLANK_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)*")


@dataclass(frozen=True)
class ReportItem:
    """One answer as the report shows it: the scored values plus the councillor's own words."""

    scored: scoring.ScoringAnswer
    answer: Answer

    @property
    def note(self) -> str:
        """The note as shown (with `white-space: pre-line`): line breaks kept, but runs of
        blank lines collapsed to one, so a note cannot fill pages with nothing."""
        return BLANK_LINES.sub("\n\n", self.answer.note.replace("\r\n", "\n")).strip()

    @property
    def question_code(self) -> str:
        return self.scored.question_code


@dataclass(frozen=True)
class GapItem(ReportItem):
    rank: int
    quote: Quote | None
    action_step: ActionStep | None

    @property
    def research_finding(self) -> str:
        return self.scored.research_finding.rstrip(". ")


@dataclass(frozen=True)
class AreaRow:
    area: Area
    score: scoring.Score
    progress: scoring.AreaProgress | None


@dataclass(frozen=True)
class Report:
    assessment: Assessment
    scoring: scoring.ScoringReport
    areas: tuple[AreaRow, ...]
    gaps: tuple[GapItem, ...]
    not_sure: tuple[ReportItem, ...]
    strengths: tuple[ReportItem, ...]
    previous: Assessment | None
    progress: Progress | None

    @property
    def owner(self):
        return self.assessment.owner

    @property
    def checklist(self):
        return self.assessment.checklist

    @property
    def research_priority_gap_count(self) -> int:
        return len(self.scoring.research_priority_gaps)

    @property
    def scored_options(self) -> list[OptionInfo]:
        return [c.option for c in self.scoring.overall.counts if c.option.is_scored]

    @property
    def unscored_options(self) -> list[OptionInfo]:
        return [c.option for c in self.scoring.overall.counts if not c.option.is_scored]

    @property
    def action_steps(self) -> tuple[GapItem, ...]:
        return tuple(gap for gap in self.gaps if gap.action_step is not None)


def submitted_assessments() -> QuerySet[Assessment]:
    """Submitted assessments with what every report page shows about them."""
    return Assessment.objects.filter(status=Assessment.Status.SUBMITTED).select_related(
        "owner__council", "checklist"
    )


def _answers_queryset():
    return Answer.objects.select_related("question__area", "option", "action_step").order_by(
        "question__area__order", "question__order"
    )


def previous_submitted(assessment: Assessment) -> Assessment | None:
    """The owner's submitted assessment just before this one, with its answers prefetched."""
    return (
        Assessment.objects.filter(
            owner_id=assessment.owner_id,
            status=Assessment.Status.SUBMITTED,
            submitted_at__lt=assessment.submitted_at,
        )
        .select_related("checklist")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question__area", "option"))
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )


def build_report(assessment: Assessment) -> Report:
    """
    The report of a submitted assessment fetched with `submitted_assessments()`.

    Six queries: answers, areas, quotes, answer options, previous assessment, its answers
    (five when there is no previous assessment).
    """
    answers = list(_answers_queryset().filter(assessment=assessment))
    areas = list(
        Area.objects.filter(checklist_id=assessment.checklist_id)
        .prefetch_related("quotes")
        .order_by("order")
    )
    previous = previous_submitted(assessment)
    checklist_ids = {assessment.checklist_id} | ({previous.checklist_id} if previous else set())
    options = list(AnswerOption.objects.filter(checklist_id__in=checklist_ids))
    scales = {
        checklist_id: answer_scale(group)
        for checklist_id, group in groupby(
            sorted(options, key=lambda o: o.checklist_id), key=lambda o: o.checklist_id
        )
    }

    result = _score(answers, scales.get(assessment.checklist_id, []), areas)
    progress = None
    if previous is not None:
        previous_result = _score(
            list(previous.answers.all()), scales.get(previous.checklist_id, []), []
        )
        progress = scoring.compare(result, previous_result)

    by_code = {answer.question.code: answer for answer in answers}
    areas_by_code = {area.code: area for area in areas}
    area_progress = {p.area.code: p for p in progress.areas} if progress else {}

    gaps = []
    quotes_used: dict[str, int] = {}
    for rank, scored in enumerate(result.gaps, start=1):
        answer = by_code[scored.question_code]
        # Each gap in an area gets the next of the area's quotes, so they do not repeat.
        quotes = list(areas_by_code[scored.area.code].quotes.all())
        index = quotes_used.get(scored.area.code, 0)
        quotes_used[scored.area.code] = index + 1
        gaps.append(
            GapItem(
                scored=scored,
                answer=answer,
                rank=rank,
                quote=quotes[index % len(quotes)] if quotes else None,
                action_step=_action_step(answer),
            )
        )

    return Report(
        assessment=assessment,
        scoring=result,
        areas=tuple(
            AreaRow(
                area=areas_by_code[row.area.code],
                score=row.score,
                progress=area_progress.get(row.area.code),
            )
            for row in result.areas
        ),
        gaps=tuple(gaps),
        not_sure=tuple(ReportItem(s, by_code[s.question_code]) for s in result.not_sure),
        strengths=tuple(ReportItem(s, by_code[s.question_code]) for s in result.strengths),
        previous=previous,
        progress=progress,
    )


@dataclass(frozen=True)
class SubmittedSummary:
    """A submitted assessment as the councillor's dashboard lists it."""

    assessment: Assessment
    area_counts: tuple[tuple[str, str], ...]  # (area title, "4 Yes, 2 Partly"), in area order


def submitted_summaries(assessments: list[Assessment]) -> list[SubmittedSummary]:
    """Each assessment with how many of each answer it gave in each area, in one query."""
    counts: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in (
        Answer.objects.filter(assessment__in=assessments, option__isnull=False)
        .values(
            "assessment_id",
            "question__area__order",
            "question__area__title",
            "option__order",
            "option__label",
        )
        .annotate(n=Count("pk"))
        .order_by("assessment_id", "question__area__order", "option__order")
    ):
        counts[row["assessment_id"]][row["question__area__title"]].append(
            f"{row['n']} {row['option__label']}"
        )
    return [
        SubmittedSummary(
            assessment=assessment,
            area_counts=tuple(
                (title, ", ".join(labels)) for title, labels in counts[assessment.pk].items()
            ),
        )
        for assessment in assessments
    ]


def last_change(assessment: Assessment) -> tuple:
    """What a rendered report depends on that can change after submission, in one query."""
    steps = ActionStep.objects.filter(answer__assessment=assessment).aggregate(
        latest=Max("updated_at"), count=Count("pk")
    )
    return (assessment.updated_at, steps["latest"], steps["count"])


def answer_is_gap(answer: Answer) -> bool:
    """
    Whether a saved answer is a gap (`scoring.is_gap`) on its own checklist version's answer
    scale: one query, for the scale. Follows `answer.option`.
    """
    if answer.option is None:
        return False
    scale = answer_scale(AnswerOption.objects.filter(checklist_id=answer.option.checklist_id))
    return scoring.is_gap(answer.option.points, scoring.full_marks(scale))


def _score(answers: list[Answer], scale: list[scoring.OptionInfo], areas: list[Area]):
    max_points = scoring.full_marks(scale)
    return scoring.score(
        (
            scoring_answer(answer, max_points=max_points)
            for answer in answers
            if answer.option is not None
        ),
        areas=[area_info(area) for area in areas],
        scale=scale,
    )


def _action_step(answer: Answer) -> ActionStep | None:
    try:
        return answer.action_step
    except ActionStep.DoesNotExist:
        return None
