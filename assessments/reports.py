"""
The gap report of one submitted assessment: load it, score it, gather what the templates show.
Also the short summary of each submitted assessment on the councillor's dashboard.

Everything is read in a fixed number of queries, whatever the number of questions or steps: the
answers (with their questions, each key action's quote, areas, options and next steps), the areas,
the answer scales, the reviews of the last plan's steps, and the owner's previous submitted
assessment with its answers. The rules themselves live in `assessments.scoring`.

The report's order (PRODUCT.md section 5): a summary, then the action plan (the focus actions,
at most `ActionStep.FOCUS_LIMIT`, and while there are fewer, the gaps suggested as the next ones:
the first gaps in rank order that are not focus actions yet), then the remaining gaps as a
compact list, the "Not sure" answers apart, the strengths, and the progress on the last plan.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, Max, Prefetch, QuerySet, TextChoices
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.models import (
    ActionStep,
    Answer,
    AnswerOption,
    Area,
    Assessment,
    Quote,
    StepReview,
)

# By name: inside Report, `scoring` is the report's field, not the module.
from assessments.scoring import OptionInfo, Progress
from assessments.scoring_inputs import answer_scale, area_info, scoring_answer
from assessments.translation import localized

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
    action_step: ActionStep | None

    @property
    def research_finding(self) -> str:
        return self.scored.research_finding.rstrip(". ")

    @property
    def quote(self) -> Quote | None:
        """The one leaflet quote chosen for this key action (`Question.quote`), or none."""
        return self.answer.question.quote

    @property
    def guidance(self) -> str:
        """What good looks like, for this key action."""
        return self.answer.question.guidance

    @property
    def is_focus(self) -> bool:
        return self.action_step is not None and self.action_step.is_focus


class NotCarried(TextChoices):
    """Why a step of the last plan is not offered to carry over; the templates word it."""

    NONE = "", "nothing to carry"  # done, no longer relevant, or not reviewed
    NO_LONGER_ASKED = "no-longer-asked", "no longer asked"
    NOT_A_GAP = "not-a-gap", "not a gap now"  # answered Yes (or Not sure) this time
    CARRIED = "carried", "carried over"  # carried into this plan already
    ALREADY_PLANNED = "already-planned", "already planned"  # the gap has a step of its own


@dataclass(frozen=True)
class LastPlanStep:
    """
    A step of the last plan, as "Progress on your last plan" shows it: the outcome recorded in
    this assessment, and whether it can be carried into this plan, or why not.

    It can be carried (`can_carry`) when it is unfinished (partly done or not done), its key
    action is still a gap in this assessment, and that gap has no next step yet. Otherwise
    `reason` says why not (empty for a step that was done or is no longer relevant: there is
    nothing to carry).
    """

    review: StepReview
    answer: Answer | None  # this assessment's answer on the same key action, if still asked
    gap: GapItem | None  # the same, if it is still a gap
    can_carry: bool
    reason: NotCarried

    Reason = NotCarried  # for the templates, which compare by member

    @property
    def step(self) -> ActionStep:
        return self.review.step

    @property
    def summary(self) -> str:
        return self.review.step.answer.question.summary


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
    last_plan: tuple[LastPlanStep, ...] = ()

    focus_limit = ActionStep.FOCUS_LIMIT

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

    @property
    def focus(self) -> tuple[GapItem, ...]:
        """The focus actions, in the gaps' rank order."""
        return tuple(gap for gap in self.gaps if gap.is_focus)

    @property
    def focus_room(self) -> int:
        """How many more focus actions the plan has room for."""
        return max(0, self.focus_limit - len(self.focus))

    @property
    def suggested(self) -> tuple[GapItem, ...]:
        """While there is room, the next gaps in rank order (research priorities first) that
        are not focus actions yet, one for each free place."""
        return tuple(gap for gap in self.gaps if not gap.is_focus)[: self.focus_room]

    @property
    def remaining(self) -> tuple[GapItem, ...]:
        """The gaps neither focus actions nor suggested, in rank order: the compact list."""
        shown = {gap.question_code for gap in (*self.focus, *self.suggested)}
        return tuple(gap for gap in self.gaps if gap.question_code not in shown)

    @property
    def strongest_areas(self) -> tuple[AreaRow, ...]:
        """The areas with the highest score (ties all named); none if no area scored above 0."""
        scored = [row for row in self.areas if row.score.percentage]
        if not scored:
            return ()
        best = max(row.score.percentage or 0 for row in scored)
        return tuple(row for row in scored if row.score.percentage == best)

    @property
    def strongest_area_titles(self) -> str:
        """The strongest areas' titles as words: "A", "A and B", "A, B and C"."""
        return get_text_list([row.area.title for row in self.strongest_areas], _("and"))


def submitted_assessments() -> QuerySet[Assessment]:
    """Submitted assessments with what every report page shows about them."""
    return Assessment.objects.filter(status=Assessment.Status.SUBMITTED).select_related(
        "owner__council", "checklist"
    )


def _answers_queryset():
    return Answer.objects.select_related(
        "question__area", "question__quote", "option", "action_step"
    ).order_by("question__area__order", "question__order")


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

    Six queries: answers (with each key action's quote), areas, answer options, the reviews of
    the last plan's steps, previous assessment, its answers (five when there is no previous
    assessment).
    """
    answers = list(_answers_queryset().filter(assessment=assessment))
    areas = list(Area.objects.filter(checklist_id=assessment.checklist_id).order_by("order"))
    reviews = list(
        StepReview.objects.filter(assessment=assessment).select_related(
            "step__answer__question", "step__answer__option"
        )
    )
    previous = previous_submitted(assessment)
    checklist_ids = {assessment.checklist_id} | ({previous.checklist_id} if previous else set())
    options = list(AnswerOption.objects.filter(checklist_id__in=checklist_ids))
    return report_from_answers(
        assessment=assessment,
        answers=answers,
        areas=areas,
        options=options,
        reviews=reviews,
        previous=previous,
    )


def report_from_answers(
    *,
    assessment: Assessment,
    answers: list[Answer],
    areas: list[Area],
    options: list[AnswerOption],
    reviews: Sequence[StepReview] = (),
    previous: Assessment | None = None,
) -> Report:
    """
    The report assembled from what `build_report` fetches, without a query: so it can also be
    made from answers never saved (the admin's sample report of a draft version).

    `answers` in leaflet order, each with its question (its area and quote) and option loaded;
    `areas` the version's areas in order; `options` the answer scales of the assessment's
    version and of `previous`'s; `reviews` the steps of the last plan with their answers'
    questions; `previous` the assessment to compare with, its answers prefetched. An unsaved
    answer has no next step.
    """
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

    gaps = [
        GapItem(
            scored=scored,
            answer=by_code[scored.question_code],
            rank=rank,
            action_step=_action_step(by_code[scored.question_code]),
        )
        for rank, scored in enumerate(result.gaps, start=1)
    ]
    gaps_by_code = {gap.question_code: gap for gap in gaps}

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
        last_plan=tuple(_last_plan_step(review, by_code, gaps_by_code) for review in reviews),
    )


def _last_plan_step(
    review: StepReview, by_code: dict[str, Answer], gaps_by_code: dict[str, GapItem]
) -> LastPlanStep:
    """Whether a step of the last plan can be carried into this one, and if not, why not."""
    code = review.step.answer.question.code
    gap = gaps_by_code.get(code)
    reason = NotCarried.NONE
    if not review.is_unfinished:
        pass
    elif code not in by_code:
        reason = NotCarried.NO_LONGER_ASKED
    elif gap is None:
        reason = NotCarried.NOT_A_GAP
    elif gap.action_step is not None:
        reason = (
            NotCarried.CARRIED
            if gap.action_step.carried_from_id == review.step_id
            else NotCarried.ALREADY_PLANNED
        )
    return LastPlanStep(
        review=review,
        answer=by_code.get(code),
        gap=gap,
        can_carry=review.is_unfinished and gap is not None and gap.action_step is None,
        reason=reason,
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
            "option__order",
            area_title=localized("question__area__title"),
            option_label=localized("option__label"),
        )
        .annotate(n=Count("pk"))
        .order_by("assessment_id", "question__area__order", "option__order")
    ):
        counts[row["assessment_id"]][row["area_title"]].append(f"{row['n']} {row['option_label']}")
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
