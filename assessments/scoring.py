"""
Scoring a self-assessment, comparing it with an earlier one, and the group report's rules.

Plain values in, plain values out: no ORM, no request. `assessments.scoring_inputs` turns database
rows into these values; `assessments.reports` and `assessments.group_reports` read the rows, hand
them here and show what comes back. Every rule a report applies is stated here, once.

The rules of one person's assessment (PRODUCT.md section 3):

* Each answer option carries points (Yes 2, Partly 1, Not yet 0) or none ("Not sure"). An answer
  with no points is *unscored*: it is left out of both the points and the denominator.
* **Full marks** (`full_marks`) are the highest points on the answer scale (2); a scale with no
  scored option has full marks 0.
* **Area score** = points ÷ full marks of the area's scored answers. It is shown as a whole
  percentage, rounded half up (12.5 → 13). An area where nothing is scored (every answer
  "Not sure", or no answers at all) has no score: `percentage` is None and `nothing_scored` is
  True. It never shows as 0 %.
* The **overall figure** is computed the same way over every answer, not as an average of areas.
* A **strength** (`is_strength`) is a scored answer with full marks (Yes).
* A **gap** (`is_gap`) is a scored answer below full marks (Partly or Not yet). Gaps are ranked
  (`gap_rank_key`):
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
* a question whose summary or text differs from the earlier wording is *reworded*
  (`wording_differs`; it is still compared);
* otherwise it moved *up* (more points), *down* (fewer points) or stayed the *same*; a move to or
  from "Not sure" cannot be put in order, so it is *changed* (or *same* when both are Not sure);
* an area's change is the difference of the two shown (rounded) percentages, in percentage points,
  so the figures the reader sees add up; None when either side has no score or the area is new.

**The group report** (PRODUCT.md section 6; `score_group`) works on each key action's *spread*:
how many of the counted members gave each answer on the scale (`QuestionSpread`). Which members'
answers count is a question for the database, answered in `assessments.group_reports`.

* **Area figures** are computed as in the individual report, over every counted answer in the
  area: points ÷ full marks of the scored answers; "Not sure" left out.
* **Disagreement** (`disagreement`) of a key action is the variance of the scored answers (Yes 2,
  Partly 1, Not yet 0) as a share of the largest variance possible (half full marks, half
  nothing), shown as a whole percentage rounded half up (`disagreement_percent`): 0 % when
  everyone sure gave the same answer, 100 % for an even Yes/Not yet split. "Not sure" answers are
  left out of the measure (they neither agree nor disagree), and are shown beside it. A key action
  with fewer than two scored answers has no disagreement (None), not 0 %.
* **Split view** (`is_split_view`): a key action whose disagreement is more than 0: members who
  were sure answered differently. Split views are ranked (`split_view_key`) most disagreement
  first; then research priorities; then leaflet order; then code.
* **Shared gap** (`is_shared_gap`): a key action that more than half of the members who answered
  it (Not sure included) answered with a gap (Partly or Not yet); exactly half is not enough.
  Ranked (`shared_gap_key`) like an individual's gaps: research priorities first, then more
  members with the gap, then more with the scale's fewest points (Not yet), then leaflet order,
  then code.
* **Agenda** (`agenda`): at most the group's agenda size (5 unless the group set another) of the
  key actions that are split views or shared gaps. The two kinds take turns, a shared gap first:
  the top shared gap, the top split view, the next shared gap, and so on; when one kind runs
  out, the other fills the places left. So the research priorities most members have not done
  lead the agenda, and the widest split view comes second. A key action appears once: one that
  is both a shared gap and a split view is a shared gap (most members say it is not done yet,
  whatever they disagree about), and it is not counted again among the split views; the report
  still shows both facts. A key action that is neither (everyone sure answered alike and most
  gave Yes, or too few answered) is not on the agenda.
* **Agreed by all**: the key actions whose disagreement is 0 (two or more scored answers, all
  alike). One with no disagreement measure is neither a split view nor agreed by all.
* **Shared strength** (`is_shared_strength`): a key action that more than half of the members
  who answered it (Not sure included) answered with full marks (Yes); exactly half is not
  enough. Listed in leaflet order.
* **Spread bar** (`spread_segments`): each answer's share of the members who answered, in steps
  of 5 % that add up to exactly 100 % (largest remainder; on equal remainders the earlier answer
  on the scale gets the step), so the drawn bar is never wider than its box.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from itertools import chain, zip_longest
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

BAR_STEP = 5
AGENDA_SIZE = 5  # a group's agenda size unless it set another (CouncillorGroup.agenda_size)


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
    # (summary, text) in each language, English first: what `wording_differs` compares.
    wording: tuple[tuple[str, str], ...] = ()

    @property
    def points(self) -> int | None:
        return self.option.points

    @property
    def is_scored(self) -> bool:
        return self.option.is_scored

    @property
    def is_strength(self) -> bool:
        return is_strength(self.points, self.max_points)

    @property
    def is_gap(self) -> bool:
        return is_gap(self.points, self.max_points)

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
        return BAR_STEP * _round_half_up(Fraction(self.percentage, BAR_STEP))


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


def full_marks(scale: Iterable[OptionInfo]) -> int:
    """The highest points on the answer scale; 0 when no option on it is scored."""
    return max((option.points for option in scale if option.points is not None), default=0)


def is_strength(points: int | None, max_points: int) -> bool:
    """A scored answer with full marks."""
    return points is not None and points >= max_points


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
    ordered_areas, ordered_options = _areas_and_options(
        areas, scale, ((a.area, a.option) for a in answers)
    )
    return ScoringReport(
        areas=tuple(
            AreaScore(
                area=area,
                score=_score(
                    ((a.option, a.max_points, 1) for a in answers if a.area.code == area.code),
                    ordered_options,
                ),
            )
            for area in ordered_areas
        ),
        overall=_score(((a.option, a.max_points, 1) for a in answers), ordered_options),
        answers=answers,
        gaps=tuple(sorted((a for a in answers if a.is_gap), key=gap_rank_key)),
        not_sure=tuple(a for a in answers if not a.is_scored),
        strengths=tuple(a for a in answers if a.is_strength),
    )


def _areas_and_options(
    areas: Iterable[AreaInfo],
    scale: Iterable[OptionInfo],
    seen: Iterable[tuple[AreaInfo, OptionInfo]],
) -> tuple[list[AreaInfo], list[OptionInfo]]:
    """The areas and answer options to report, each in its order (then code)."""
    all_areas = {area.code: area for area in areas}
    all_options = {option.code: option for option in scale}
    for area, option in seen:
        all_areas.setdefault(area.code, area)
        all_options.setdefault(option.code, option)
    return (
        sorted(all_areas.values(), key=lambda a: (a.order, a.code)),
        sorted(all_options.values(), key=lambda o: (o.order, o.code)),
    )


def _score(tallies: Iterable[tuple[OptionInfo, int, int]], options: list[OptionInfo]) -> Score:
    """The score of answers given as (option chosen, full marks, how many chose it)."""
    tallies = list(tallies)
    scored = [(option.points or 0, most, n) for option, most, n in tallies if option.is_scored]
    points = sum(p * n for p, _, n in scored)
    max_points = sum(most * n for _, most, n in scored)
    return Score(
        counts=tuple(
            OptionCount(option, sum(n for o, _, n in tallies if o.code == option.code))
            for option in options
        ),
        answered=sum(n for _, _, n in tallies),
        scored=sum(n for _, _, n in scored),
        points=points,
        max_points=max_points,
        percentage=_round_half_up(Fraction(100 * points, max_points)) if max_points else None,
    )


def _round_half_up(value: Fraction) -> int:
    """Half up for the non-negative values rounded here (12.5 → 13)."""
    return math.floor(value + Fraction(1, 2))


# --- Progress ----------------------------------------------------------------------------------


class Worded(Protocol):
    """A key action's wording: a question row, or a scored answer; with `wording`, in every
    language."""

    @property
    def summary(self) -> str: ...

    @property
    def text(self) -> str: ...


def wording_differs(old: Worded, new: Worded) -> bool:
    """
    Whether a key action is asked in other words in `new` than in `old`: its summary or its
    "Do you ...?" question differs, in English or in Welsh, ignoring spaces at either end and
    runs of spaces. A councillor reading either language is asked again. A translation added
    where there was none is not a rewording: a language counts when both sides have it. Guidance,
    quotes and order are not wording. Without `wording` (plain values), the summary and text.
    """

    def words(text: str) -> str:
        return " ".join(text.split())

    old_wording = getattr(old, "wording", ()) or ((old.summary, old.text),)
    new_wording = getattr(new, "wording", ()) or ((new.summary, new.text),)
    for language, (before, after) in enumerate(zip(old_wording, new_wording, strict=False)):
        for old_words, new_words in zip(before, after, strict=True):
            both_have_it = language == 0 or (words(old_words) and words(new_words))
            if both_have_it and words(old_words) != words(new_words):
                return True
    return False


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
        return self.previous is not None and wording_differs(self.previous, self.answer)


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
        now = Fraction(answer.points, answer.max_points)
        then = Fraction(previous.points, previous.max_points)
        if now > then:
            return Movement.UP
        if now < then:
            return Movement.DOWN
        return Movement.SAME
    if answer.is_scored or previous.is_scored:
        return Movement.CHANGED
    return Movement.SAME


# --- The group report --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpread:
    """How many of a group's counted members gave each answer to one key action."""

    area: AreaInfo
    question_code: str
    question_order: int
    is_research_priority: bool
    counts: tuple[OptionCount, ...]  # one per option of the answer scale, in scale order

    @property
    def answered(self) -> int:
        return sum(c.count for c in self.counts)

    @property
    def not_sure(self) -> int:
        return sum(c.count for c in self.counts if not c.option.is_scored)

    @property
    def disagreement(self) -> Fraction | None:
        return disagreement(self.counts)

    @property
    def disagreement_percent(self) -> int | None:
        return disagreement_percent(self.disagreement)

    @property
    def gap_count(self) -> int:
        """Members whose answer is a gap (Partly or Not yet)."""
        return gap_count(self.counts)

    @property
    def lowest_count(self) -> int:
        """Members who gave the scale's fewest points (Not yet)."""
        return lowest_count(self.counts)

    @property
    def is_shared_gap(self) -> bool:
        return is_shared_gap(self.counts)

    @property
    def is_split_view(self) -> bool:
        return is_split_view(self.counts)

    @property
    def is_shared_strength(self) -> bool:
        return is_shared_strength(self.counts)

    @property
    def leaflet_order(self) -> tuple[int, int]:
        return (self.area.order, self.question_order)

    @property
    def segments(self) -> list[tuple[OptionCount, int]]:
        return spread_segments(self.counts)


class AgendaReason(models.TextChoices):
    """Why a key action is on the group's agenda."""

    SPLIT_VIEW = "split-view", _("Split view")
    SHARED_GAP = "shared-gap", _("Shared gap")


@dataclass(frozen=True)
class GroupScoring[S: QuestionSpread]:
    """What the group rules make of the spreads; the spreads come back as they were given."""

    areas: tuple[AreaScore, ...]
    overall: Score
    agenda: tuple[tuple[S, AgendaReason], ...]  # in agenda order, at most the agenda size
    agreed_by_all: tuple[S, ...]  # leaflet order
    shared_gaps: tuple[S, ...]  # ranked by shared_gap_key
    shared_strengths: tuple[S, ...]  # leaflet order


def disagreement(counts: Iterable[OptionCount]) -> Fraction | None:
    """
    The variance of the scored answers' points as a share of the largest variance possible (half
    full marks, half nothing: (full marks ÷ 2)²), so 0 when everyone sure answered alike and 1 for
    an even Yes/Not yet split. Not sure is left out. None with fewer than two scored answers, or
    on a scale where nothing scores.
    """
    scored = [(c.option.points, c.count) for c in counts if c.option.points is not None]
    n = sum(count for _, count in scored)
    most = max((points for points, _ in scored), default=0)
    if n < 2 or most == 0:
        return None
    mean = Fraction(sum(points * count for points, count in scored), n)
    variance = Fraction(sum(count * (points - mean) ** 2 for points, count in scored), n)
    return variance / Fraction(most, 2) ** 2


def disagreement_percent(value: Fraction | None) -> int | None:
    """A disagreement as a whole percentage, rounded half up; None stays None."""
    return None if value is None else _round_half_up(value * 100)


def gap_count(counts: Iterable[OptionCount]) -> int:
    """How many answers are gaps (`is_gap`) on the scale the counts cover."""
    counts = tuple(counts)
    most = full_marks(c.option for c in counts)
    return sum(c.count for c in counts if is_gap(c.option.points, most))


def lowest_count(counts: Iterable[OptionCount]) -> int:
    """How many answers have the fewest points on the scale (Not yet); 0 if nothing scores."""
    counts = tuple(counts)
    lowest = min((c.option.points for c in counts if c.option.points is not None), default=None)
    return sum(c.count for c in counts if lowest is not None and c.option.points == lowest)


def is_shared_gap(counts: Iterable[OptionCount]) -> bool:
    """More than half of those who answered (Not sure included) gave a gap; half is not enough."""
    counts = tuple(counts)
    answered = sum(c.count for c in counts)
    return answered > 0 and 2 * gap_count(counts) > answered


def is_split_view(counts: Iterable[OptionCount]) -> bool:
    """Members who were sure answered differently: some disagreement (more than 0)."""
    value = disagreement(counts)
    return value is not None and value > 0


def is_shared_strength(counts: Iterable[OptionCount]) -> bool:
    """More than half of those who answered (Not sure included) gave full marks; half is not
    enough."""
    counts = tuple(counts)
    answered = sum(c.count for c in counts)
    most = full_marks(c.option for c in counts)
    strengths = sum(c.count for c in counts if is_strength(c.option.points, most))
    return answered > 0 and most > 0 and 2 * strengths > answered


def split_view_key(spread: QuestionSpread) -> tuple:
    """Most disagreement first; then research priorities; then leaflet order; then code."""
    return (
        -(spread.disagreement or 0),
        not spread.is_research_priority,
        *spread.leaflet_order,
        spread.question_code,
    )


def shared_gap_key(spread: QuestionSpread) -> tuple:
    """Research priorities first; then more members with the gap; more Not yet; leaflet order;
    then code."""
    return (
        not spread.is_research_priority,
        -spread.gap_count,
        -spread.lowest_count,
        *spread.leaflet_order,
        spread.question_code,
    )


def agenda[S: QuestionSpread](
    spreads: Iterable[S], *, size: int = AGENDA_SIZE
) -> tuple[tuple[S, AgendaReason], ...]:
    """
    The agenda: shared gaps and split views taking turns, a shared gap first, each kind in its
    own order; a key action that is both counts as a shared gap only; at most `size` items.
    """
    spreads = tuple(spreads)
    shared = sorted((s for s in spreads if s.is_shared_gap), key=shared_gap_key)
    split = sorted(
        (s for s in spreads if s.is_split_view and not s.is_shared_gap), key=split_view_key
    )
    turns = chain.from_iterable(
        zip_longest(
            ((s, AgendaReason.SHARED_GAP) for s in shared),
            ((s, AgendaReason.SPLIT_VIEW) for s in split),
        )
    )
    return tuple(item for item in turns if item is not None)[: max(size, 0)]


def spread_segments(counts: Iterable[OptionCount]) -> list[tuple[OptionCount, int]]:
    """
    Each chosen answer with its width in the spread bar: its share of the answers in steps of
    BAR_STEP %, adding up to exactly 100 % (the largest remainders get the steps left over; on
    equal remainders, the earlier answer on the scale). Answers nobody gave are left out; no
    answers at all, no bar.
    """
    counts = tuple(counts)
    answered = sum(c.count for c in counts)
    if not answered:
        return []
    steps = 100 // BAR_STEP
    exact = [Fraction(c.count * steps, answered) for c in counts]
    whole = [math.floor(x) for x in exact]
    spare = steps - sum(whole)
    for i in sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))[:spare]:
        whole[i] += 1
    return [(c, w * BAR_STEP) for c, w in zip(counts, whole, strict=True) if c.count]


def score_group[S: QuestionSpread](
    spreads: Iterable[S],
    *,
    areas: Iterable[AreaInfo] = (),
    scale: Iterable[OptionInfo] = (),
    agenda_size: int = AGENDA_SIZE,
) -> GroupScoring[S]:
    """
    Score a group's spreads (see the module docstring for the rules). The area figures count
    every member's answer as one answer, each out of the scale's full marks; `areas` and `scale`
    add areas and options with no answers, as in `score`; the agenda has at most `agenda_size`
    items.
    """
    spreads = sorted(spreads, key=lambda s: (*s.leaflet_order, s.question_code))
    ordered_areas, ordered_options = _areas_and_options(
        areas, scale, ((s.area, c.option) for s in spreads for c in s.counts)
    )
    most = full_marks(ordered_options)

    def tallies(area: AreaInfo | None = None):
        return (
            (c.option, most, c.count)
            for s in spreads
            if area is None or s.area.code == area.code
            for c in s.counts
        )

    return GroupScoring(
        areas=tuple(
            AreaScore(area=area, score=_score(tallies(area), ordered_options))
            for area in ordered_areas
        ),
        overall=_score(tallies(), ordered_options),
        agenda=agenda(spreads, size=agenda_size),
        agreed_by_all=tuple(s for s in spreads if s.disagreement == 0),
        shared_gaps=tuple(sorted((s for s in spreads if s.is_shared_gap), key=shared_gap_key)),
        shared_strengths=tuple(s for s in spreads if s.is_shared_strength),
    )
