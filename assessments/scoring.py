"""
Scoring a self-assessment, and comparing it with an earlier one.

Plain values in, plain values out: no ORM, no request. `assessments.reports` turns database rows
into `ScoringAnswer`s and hands them here.

The rules (PRODUCT.md section 3):

* Each answer option carries points (Yes 2, Partly 1, Not yet 0) or none ("Not sure"). An answer
  with no points is *unscored*: it is left out of both the points and the denominator.
* **Area score** = points ÷ full marks of the area's scored answers (full marks are the highest
  points on the answer scale, 2). It is shown as a whole percentage, rounded half up (12.5 → 13).
  An area where nothing is scored (every answer "Not sure", or no answers at all) has no score:
  `percentage` is None and `nothing_scored` is True. It never shows as 0 %.
* The **overall figure** is computed the same way over every answer, not as an average of areas.
* A **strength** is a scored answer with full marks (Yes).
* A **gap** is a scored answer below full marks (Partly or Not yet). Gaps are ranked:
  1. research priorities before everything else;
  2. then fewer points before more (Not yet before Partly);
  3. then leaflet order (area order, then question order within the area);
  4. and, should two questions still tie (they cannot in a valid checklist), by question code.
* **Not sure** answers are listed apart, in leaflet order, as things to find out.
* The percentage-band for drawing a bar (`bar_step`) is the percentage rounded half up to the
  nearest 5, so a bar is drawn with one of 21 widths (0, 5, … 100).

**Progress** (`compare`) matches questions by code across checklist versions, because a code never
changes while wording may:

* a question whose code was not in the earlier assessment is *new*;
* a question whose text differs from the earlier wording is *reworded* (it is still compared);
* otherwise it moved *up* (more points), *down* (fewer points) or stayed the *same*; a move to or
  from "Not sure" cannot be put in order, so it is *changed* (or *same* when both are Not sure);
* an area's change is the difference of the two shown (rounded) percentages, in percentage points,
  so the figures the reader sees add up; None when either side has no score or the area is new.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

BAR_STEP = 5


@dataclass(frozen=True)
class AreaInfo:
    code: str
    title: str
    order: int


@dataclass(frozen=True)
class OptionInfo:
    """A point on the answer scale; `points` is None for an unscored answer (Not sure)."""

    code: str
    label: str
    points: int | None
    order: int

    @property
    def is_scored(self) -> bool:
        return self.points is not None


@dataclass(frozen=True)
class ScoringAnswer:
    """One answer to one question, with everything scoring needs to know about both."""

    area: AreaInfo
    question_code: str
    question_order: int
    summary: str
    text: str
    is_research_priority: bool
    research_finding: str
    option: OptionInfo
    max_points: int

    @property
    def points(self) -> int | None:
        return self.option.points

    @property
    def is_scored(self) -> bool:
        return self.option.is_scored

    @property
    def is_strength(self) -> bool:
        return self.points is not None and self.points >= self.max_points

    @property
    def is_gap(self) -> bool:
        return self.points is not None and self.points < self.max_points

    @property
    def leaflet_order(self) -> tuple[int, int]:
        return (self.area.order, self.question_order)


@dataclass(frozen=True)
class OptionCount:
    option: OptionInfo
    count: int


@dataclass(frozen=True)
class Score:
    """Counts, points and percentage for one area or for the whole assessment."""

    counts: tuple[OptionCount, ...]
    answered: int
    scored: int
    points: int
    max_points: int
    percentage: int | None

    @property
    def nothing_scored(self) -> bool:
        return self.percentage is None

    @property
    def not_sure(self) -> int:
        return self.answered - self.scored

    @property
    def bar_step(self) -> int | None:
        """The percentage rounded to the nearest BAR_STEP, for drawing a bar."""
        if self.percentage is None:
            return None
        return BAR_STEP * _round_half_up(Decimal(self.percentage) / BAR_STEP)


@dataclass(frozen=True)
class AreaScore:
    area: AreaInfo
    score: Score


@dataclass(frozen=True)
class ScoringReport:
    areas: tuple[AreaScore, ...]
    overall: Score
    answers: tuple[ScoringAnswer, ...]  # every answer, in leaflet order
    gaps: tuple[ScoringAnswer, ...]  # ranked
    not_sure: tuple[ScoringAnswer, ...]  # leaflet order
    strengths: tuple[ScoringAnswer, ...]  # leaflet order

    @property
    def question_count(self) -> int:
        return len(self.answers)

    @property
    def research_priority_gaps(self) -> tuple[ScoringAnswer, ...]:
        return tuple(gap for gap in self.gaps if gap.is_research_priority)


def is_gap(points: int | None, max_points: int) -> bool:
    """A scored answer below full marks."""
    return points is not None and points < max_points


def gap_rank_key(answer: ScoringAnswer) -> tuple:
    """Research priorities first, then fewer points, then leaflet order, then code."""
    return (
        not answer.is_research_priority,
        answer.points,
        *answer.leaflet_order,
        answer.question_code,
    )


def score(
    answers: Iterable[ScoringAnswer],
    *,
    areas: Iterable[AreaInfo] = (),
    scale: Iterable[OptionInfo] = (),
) -> ScoringReport:
    """
    Score the answers (see the module docstring for the rules).

    `areas` adds areas that may have no answers, so that they are still reported (as nothing
    scored); `scale` adds answer options that nobody chose, so that counts show them as 0.
    """
    answers = tuple(sorted(answers, key=lambda a: (*a.leaflet_order, a.question_code)))
    all_areas = {area.code: area for area in areas}
    all_options = {option.code: option for option in scale}
    for answer in answers:
        all_areas.setdefault(answer.area.code, answer.area)
        all_options.setdefault(answer.option.code, answer.option)
    ordered_options = sorted(all_options.values(), key=lambda o: (o.order, o.code))

    area_scores = tuple(
        AreaScore(
            area=area,
            score=_score([a for a in answers if a.area.code == area.code], ordered_options),
        )
        for area in sorted(all_areas.values(), key=lambda a: (a.order, a.code))
    )
    return ScoringReport(
        areas=area_scores,
        overall=_score(answers, ordered_options),
        answers=answers,
        gaps=tuple(sorted((a for a in answers if a.is_gap), key=gap_rank_key)),
        not_sure=tuple(a for a in answers if not a.is_scored),
        strengths=tuple(a for a in answers if a.is_strength),
    )


def _score(answers: Iterable[ScoringAnswer], options: list[OptionInfo]) -> Score:
    answers = list(answers)
    scored = [a for a in answers if a.is_scored]
    points = sum(a.points for a in scored if a.points is not None)
    max_points = sum(a.max_points for a in scored)
    percentage = _round_half_up(Decimal(100 * points) / max_points) if max_points else None
    return Score(
        counts=tuple(
            OptionCount(option, sum(1 for a in answers if a.option.code == option.code))
            for option in options
        ),
        answered=len(answers),
        scored=len(scored),
        points=points,
        max_points=max_points,
        percentage=percentage,
    )


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- Progress ----------------------------------------------------------------------------------


class Movement(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    CHANGED = "changed"  # to or from Not sure: different, but neither better nor worse
    NEW = "new"


@dataclass(frozen=True)
class QuestionProgress:
    answer: ScoringAnswer
    previous: ScoringAnswer | None
    movement: Movement

    @property
    def reworded(self) -> bool:
        return self.previous is not None and self.previous.text != self.answer.text


@dataclass(frozen=True)
class AreaProgress:
    area: AreaInfo
    percentage: int | None
    previous_percentage: int | None
    is_new: bool

    @property
    def change(self) -> int | None:
        """Change in percentage points, or None when either side has no score."""
        if self.percentage is None or self.previous_percentage is None:
            return None
        return self.percentage - self.previous_percentage


@dataclass(frozen=True)
class Progress:
    areas: tuple[AreaProgress, ...]
    questions: tuple[QuestionProgress, ...]  # leaflet order of the current assessment
    removed: tuple[ScoringAnswer, ...]  # asked last time, no longer asked
    overall_percentage: int | None
    previous_overall_percentage: int | None

    @property
    def overall_change(self) -> int | None:
        if self.overall_percentage is None or self.previous_overall_percentage is None:
            return None
        return self.overall_percentage - self.previous_overall_percentage

    def moved(self, movement: Movement) -> tuple[QuestionProgress, ...]:
        return tuple(q for q in self.questions if q.movement == movement)

    @property
    def moved_up(self) -> tuple[QuestionProgress, ...]:
        return self.moved(Movement.UP)

    @property
    def moved_down(self) -> tuple[QuestionProgress, ...]:
        return self.moved(Movement.DOWN)

    @property
    def changed(self) -> tuple[QuestionProgress, ...]:
        return self.moved(Movement.CHANGED)

    @property
    def new(self) -> tuple[QuestionProgress, ...]:
        return self.moved(Movement.NEW)

    @property
    def reworded(self) -> tuple[QuestionProgress, ...]:
        return tuple(q for q in self.questions if q.reworded)


def compare(current: ScoringReport, previous: ScoringReport) -> Progress:
    """Progress from `previous` to `current`, matching questions and areas by code."""
    previous_answers = {a.question_code: a for a in previous.answers}
    previous_areas = {a.area.code: a.score for a in previous.areas}
    current_codes = {a.question_code for a in current.answers}
    return Progress(
        areas=tuple(
            AreaProgress(
                area=area_score.area,
                percentage=area_score.score.percentage,
                previous_percentage=(
                    previous_areas[area_score.area.code].percentage
                    if area_score.area.code in previous_areas
                    else None
                ),
                is_new=area_score.area.code not in previous_areas,
            )
            for area_score in current.areas
        ),
        questions=tuple(
            QuestionProgress(
                answer=answer,
                previous=previous_answers.get(answer.question_code),
                movement=_movement(answer, previous_answers.get(answer.question_code)),
            )
            for answer in current.answers
        ),
        removed=tuple(a for a in previous.answers if a.question_code not in current_codes),
        overall_percentage=current.overall.percentage,
        previous_overall_percentage=previous.overall.percentage,
    )


def _movement(answer: ScoringAnswer, previous: ScoringAnswer | None) -> Movement:
    if previous is None:
        return Movement.NEW
    if answer.points is not None and previous.points is not None:
        # Compare shares of full marks, in case the scale itself changed between versions.
        now = Decimal(answer.points) / answer.max_points
        then = Decimal(previous.points) / previous.max_points
        if now > then:
            return Movement.UP
        if now < then:
            return Movement.DOWN
        return Movement.SAME
    if answer.is_scored or previous.is_scored:
        return Movement.CHANGED
    return Movement.SAME
