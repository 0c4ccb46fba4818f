"""The scoring rules, table by table, without the database."""

from collections import Counter
from fractions import Fraction

import pytest

from assessments.scoring import (
    AgendaReason,
    AreaInfo,
    Movement,
    OptionCount,
    OptionInfo,
    QuestionSpread,
    ScoringAnswer,
    agenda,
    compare,
    disagreement,
    disagreement_percent,
    full_marks,
    is_gap,
    is_shared_gap,
    is_shared_strength,
    is_split_view,
    is_strength,
    score,
    score_group,
    shared_gap_key,
    split_view_key,
    spread_segments,
)

YES = OptionInfo("yes", "Yes", 2, 1)
PARTLY = OptionInfo("partly", "Partly", 1, 2)
NOT_YET = OptionInfo("not-yet", "Not yet", 0, 3)
NOT_SURE = OptionInfo("not-sure", "Not sure", None, 4)
SCALE = (YES, PARTLY, NOT_YET, NOT_SURE)
BY_CODE = {o.code: o for o in SCALE}

CLIMATE = AreaInfo("climate", "Create the climate for innovation", 1)
LEAD = AreaInfo("leadership", "Lead for innovation", 2)
AREAS = (CLIMATE, LEAD)


def answer(code, option, *, area=CLIMATE, order=1, priority=False, text=None) -> ScoringAnswer:
    return ScoringAnswer(
        area=area,
        question_code=code,
        question_order=order,
        summary=code.replace("-", " ").capitalize(),
        text=text or f"Do you {code.replace('-', ' ')}?",
        is_research_priority=priority,
        research_finding="a finding" if priority else "",
        option=BY_CODE[option],
        max_points=2,
    )


def climate(*options):
    """Answers to climate questions q1, q2, … in order."""
    return [answer(f"q{i}", code, order=i) for i, code in enumerate(options, start=1)]


@pytest.mark.parametrize(
    ("options", "percentage", "points", "max_points"),
    [
        (["yes", "yes", "yes"], 100, 6, 6),
        (["not-yet", "not-yet"], 0, 0, 4),
        (["yes", "partly", "not-yet"], 50, 3, 6),
        (["yes", "not-sure"], 100, 2, 2),  # Not sure is left out of the denominator
        (["partly", "not-yet", "not-yet", "not-yet"], 13, 1, 8),  # 12.5 rounds half up
        (["yes", "yes", "partly"], 83, 5, 6),
    ],
)
def test_it_scores_an_area_over_its_scored_answers(options, percentage, points, max_points):
    report = score(climate(*options), areas=[CLIMATE], scale=SCALE)

    area_score = report.areas[0].score
    assert (area_score.percentage, area_score.points, area_score.max_points) == (
        percentage,
        points,
        max_points,
    )
    assert report.overall.percentage == percentage


@pytest.mark.parametrize(
    ("options", "expected_counts"),
    [
        (
            ["yes", "partly", "partly", "not-sure"],
            {"yes": 1, "partly": 2, "not-yet": 0, "not-sure": 1},
        ),
        ([], {"yes": 0, "partly": 0, "not-yet": 0, "not-sure": 0}),
    ],
)
def test_it_counts_each_answer_in_scale_order(options, expected_counts):
    report = score(climate(*options), areas=[CLIMATE], scale=SCALE)

    counts = report.areas[0].score.counts
    assert [c.option.code for c in counts] == ["yes", "partly", "not-yet", "not-sure"]
    assert {c.option.code: c.count for c in counts} == expected_counts


@pytest.mark.parametrize(
    "options",
    [["not-sure", "not-sure"], []],
    ids=["all not sure", "no answers at all"],
)
def test_an_area_with_nothing_scored_says_so_rather_than_zero(options):
    answers = [*climate(*options), answer("l1", "not-yet", area=LEAD)]
    report = score(answers, areas=AREAS, scale=SCALE)

    climate_score, lead_score = (a.score for a in report.areas)
    assert climate_score.percentage is None
    assert climate_score.nothing_scored
    assert climate_score.bar_step is None
    assert lead_score.percentage == 0
    assert not lead_score.nothing_scored
    assert report.overall.percentage == 0


def test_all_not_sure_has_no_overall_figure_and_lists_everything_to_find_out():
    report = score(climate("not-sure", "not-sure", "not-sure"), scale=SCALE)

    assert report.overall.percentage is None
    assert report.gaps == ()
    assert report.strengths == ()
    assert [a.question_code for a in report.not_sure] == ["q1", "q2", "q3"]


def test_all_yes_is_full_marks_with_no_gaps():
    report = score(climate("yes", "yes", "yes", "yes"), scale=SCALE)

    assert report.overall.percentage == 100
    assert report.gaps == ()
    assert report.not_sure == ()
    assert [a.question_code for a in report.strengths] == ["q1", "q2", "q3", "q4"]


@pytest.mark.parametrize(
    ("answers", "expected_order"),
    [
        # Not yet before Partly.
        ([answer("a", "partly", order=1), answer("b", "not-yet", order=2)], ["b", "a"]),
        # Research priorities first, even a Partly before a Not yet.
        (
            [answer("a", "not-yet", order=1), answer("b", "partly", order=2, priority=True)],
            ["b", "a"],
        ),
        # Ties on priority and points: leaflet order, area first.
        (
            [
                answer("l1", "not-yet", area=LEAD, order=1),
                answer("c2", "not-yet", order=2),
                answer("c1", "not-yet", order=1),
            ],
            ["c1", "c2", "l1"],
        ),
        # All four keys together.
        (
            [
                answer("c1", "partly", order=1),
                answer("c2", "not-yet", order=2),
                answer("c3", "partly", order=3, priority=True),
                answer("l1", "not-yet", area=LEAD, order=1, priority=True),
                answer("l2", "yes", area=LEAD, order=2, priority=True),
                answer("l3", "not-sure", area=LEAD, order=3),
            ],
            ["l1", "c3", "c2", "c1"],
        ),
    ],
    ids=["not yet first", "priorities first", "leaflet order", "everything"],
)
def test_it_ranks_gaps(answers, expected_order):
    report = score(answers, scale=SCALE)

    assert [gap.question_code for gap in report.gaps] == expected_order


def test_strengths_and_not_sure_are_not_gaps():
    report = score(climate("yes", "partly", "not-sure", "not-yet"), scale=SCALE)

    assert [a.question_code for a in report.gaps] == ["q4", "q2"]
    assert [a.question_code for a in report.strengths] == ["q1"]
    assert [a.question_code for a in report.not_sure] == ["q3"]
    assert report.overall.not_sure == 1


@pytest.mark.parametrize(
    ("percentage_options", "bar_step"),
    [
        (["yes"], 100),
        (["not-yet"], 0),
        (["yes", "partly", "not-yet"], 50),
        (["yes", "yes", "partly"], 85),  # 83 % draws as 85
        (["partly", "not-yet", "not-yet", "not-yet"], 15),  # 13 % draws as 15
        (["yes", "not-yet", "not-yet"], 35),  # 33 % draws as 35
    ],
)
def test_bars_are_drawn_in_steps_of_five(percentage_options, bar_step):
    assert score(climate(*percentage_options)).overall.bar_step == bar_step


# --- Progress --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "movement"),
    [
        ("not-yet", "partly", Movement.UP),
        ("partly", "yes", Movement.UP),
        ("yes", "not-yet", Movement.DOWN),
        ("partly", "partly", Movement.SAME),
        ("not-sure", "yes", Movement.CHANGED),
        ("yes", "not-sure", Movement.CHANGED),
        ("not-sure", "not-sure", Movement.SAME),
    ],
)
def test_it_marks_questions_that_moved(before, after, movement):
    progress = compare(score(climate(after)), score(climate(before)))

    assert [q.movement for q in progress.questions] == [movement]


def test_it_matches_questions_by_code_and_says_which_are_new_reworded_or_removed():
    previous = score(
        [
            answer("keep", "partly", order=1),
            answer("reword", "not-yet", order=2, text="Do you do the old thing?"),
            answer("gone", "yes", order=3),
        ]
    )
    current = score(
        [
            # Moved within the area: still matched by code.
            answer("reword", "yes", order=1, text="Do you do the new thing?"),
            answer("keep", "partly", order=2),
            answer("fresh", "not-yet", order=3),
        ]
    )

    progress = compare(current, previous)

    by_code = {q.answer.question_code: q for q in progress.questions}
    assert by_code["keep"].movement == Movement.SAME
    assert not by_code["keep"].reworded
    assert by_code["reword"].movement == Movement.UP
    assert by_code["reword"].reworded
    assert by_code["fresh"].movement == Movement.NEW
    assert not by_code["fresh"].reworded
    assert [a.question_code for a in progress.removed] == ["gone"]


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        (["not-yet", "not-yet"], ["yes", "partly"], 75),
        (["yes", "yes"], ["partly", "partly"], -50),
        (["yes", "partly"], ["partly", "yes"], 0),
        (["not-sure", "not-sure"], ["yes", "yes"], None),  # nothing scored before
        (["yes", "yes"], ["not-sure", "not-sure"], None),  # nothing scored now
    ],
)
def test_it_gives_each_areas_change_in_percentage_points(before, after, change):
    progress = compare(score(climate(*after)), score(climate(*before)))

    (area,) = progress.areas
    assert area.change == change
    assert not area.is_new


def test_an_area_not_in_the_earlier_assessment_is_new():
    previous = score(climate("yes"))
    current = score([*climate("yes"), answer("l1", "partly", area=LEAD)])

    progress = compare(current, previous)

    assert [(a.area.code, a.is_new, a.change) for a in progress.areas] == [
        ("climate", False, 0),
        ("leadership", True, None),
    ]
    assert progress.overall_change == -25


# --- Full marks, gaps and strengths ----------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "expected"),
    [(SCALE, 2), ((NOT_YET, NOT_SURE), 0), ((NOT_SURE,), 0), ((), 0)],
    ids=["the leaflet's scale", "nothing above zero", "nothing scored", "no scale"],
)
def test_full_marks_are_the_highest_points_on_the_scale(scale, expected):
    assert full_marks(scale) == expected


@pytest.mark.parametrize(
    ("option", "gap", "strength"),
    [(YES, False, True), (PARTLY, True, False), (NOT_YET, True, False), (NOT_SURE, False, False)],
    ids=lambda value: value.label if isinstance(value, OptionInfo) else None,
)
def test_a_gap_is_a_scored_answer_below_full_marks_and_a_strength_one_with_them(
    option, gap, strength
):
    assert is_gap(option.points, 2) is gap
    assert is_strength(option.points, 2) is strength
    scored = answer("q1", option.code)
    assert (scored.is_gap, scored.is_strength) == (gap, strength)


# --- The group report --------------------------------------------------------------------------


def counts(*options: str) -> tuple[OptionCount, ...]:
    """The spread of the given answers over the whole scale, in scale order."""
    chosen = Counter(options)
    return tuple(OptionCount(option, chosen[option.code]) for option in SCALE)


def spread(code, *options, area=CLIMATE, order=1, priority=False) -> QuestionSpread:
    return QuestionSpread(
        area=area,
        question_code=code,
        question_order=order,
        is_research_priority=priority,
        counts=counts(*options),
    )


Y, P, N, S = "yes", "partly", "not-yet", "not-sure"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([P] * 4, Fraction(0)),
        ([Y] * 6 + [N] * 6, Fraction(1)),
        ([Y, N] + [S] * 9, Fraction(1)),  # Not sure is left out
        ([Y] * 4 + [P] * 4 + [N] * 4, Fraction(2, 3)),
        ([N] * 7 + [P] * 5, Fraction(35, 144)),
        ([Y] * 6 + [P] * 6, Fraction(1, 4)),
        ([Y] + [S] * 5, None),  # one scored answer
        ([Y], None),
        ([S] * 3, None),
        ([], None),
    ],
    ids=[
        "unanimous",
        "evenly split",
        "not sure left out",
        "three ways",
        "lopsided",
        "half a step apart",
        "one scored answer among not sure",
        "one answer",
        "only not sure",
        "none",
    ],
)
def test_disagreement_is_the_variance_of_scored_answers_as_a_share_of_the_largest(
    options, expected
):
    assert disagreement(counts(*options)) == expected
    assert spread("q1", *options).disagreement == expected


def test_disagreement_needs_a_scale_that_scores_something():
    zero = OptionInfo("no", "No", 0, 1)

    assert disagreement((OptionCount(zero, 5), OptionCount(NOT_SURE, 2))) is None


@pytest.mark.parametrize(
    ("value", "percent"),
    [
        (Fraction(1), 100),
        (Fraction(0), 0),
        (Fraction(2, 3), 67),
        (Fraction(35, 144), 24),
        (Fraction(1, 8), 13),  # 12.5 % rounds half up
        (Fraction(2, 9), 22),
        (None, None),
    ],
)
def test_disagreement_is_shown_as_a_whole_percentage_rounded_half_up(value, percent):
    assert disagreement_percent(value) == percent


@pytest.mark.parametrize(
    ("options", "gaps", "not_yet", "shared"),
    [
        ([P] * 6 + [N] * 6, 12, 6, True),
        ([Y] * 5 + [P] * 4 + [N] * 3, 7, 3, True),  # 7 of 12
        ([Y] * 6 + [N] * 6, 6, 6, False),  # exactly half is not "most"
        ([Y] * 3 + [P] * 6 + [S] * 3, 6, 0, False),  # Not sure counts among those who answered
        ([N] * 10 + [S] * 2, 10, 10, True),
        ([N], 1, 1, True),  # one answer
        ([S] * 4, 0, 0, False),
        ([], 0, 0, False),  # none
    ],
    ids=[
        "everyone",
        "just over half",
        "exactly half",
        "half with not sure",
        "most with not sure",
        "one answer",
        "only not sure",
        "none",
    ],
)
def test_a_shared_gap_is_a_key_action_more_than_half_answered_partly_or_not_yet(
    options, gaps, not_yet, shared
):
    row = spread("q1", *options)

    assert (row.gap_count, row.lowest_count, row.is_shared_gap) == (gaps, not_yet, shared)
    assert is_shared_gap(counts(*options)) is shared


@pytest.mark.parametrize(
    ("options", "split"),
    [
        ([Y, N], True),
        ([Y, Y, Y, P], True),  # the smallest difference still counts
        ([P, N, S], True),
        ([Y, Y, S], False),  # Not sure neither agrees nor disagrees
        ([N] * 5, False),
        ([N, S], False),  # one scored answer: no measure
        ([S, S], False),
        ([], False),
    ],
    ids=[
        "yes and not yet",
        "one partly",
        "partly, not yet and not sure",
        "alike with not sure",
        "alike",
        "one scored answer",
        "only not sure",
        "none",
    ],
)
def test_a_split_view_is_a_key_action_members_who_were_sure_answered_differently(options, split):
    assert is_split_view(counts(*options)) is split
    assert spread("q1", *options).is_split_view is split


@pytest.mark.parametrize(
    ("options", "strength"),
    [
        ([Y] * 3 + [P] * 2, True),  # 3 of 5
        ([Y] * 2 + [P] * 2, False),  # exactly half is not "most"
        ([Y] * 2 + [S] * 2, False),  # Not sure counts among those who answered
        ([Y], True),
        ([S], False),
        ([], False),
    ],
    ids=["most", "exactly half", "half with not sure", "one answer", "only not sure", "none"],
)
def test_a_shared_strength_is_a_key_action_more_than_half_answered_yes(options, strength):
    assert is_shared_strength(counts(*options)) is strength
    assert spread("q1", *options).is_shared_strength is strength


def test_split_views_rank_disagreement_then_priorities_then_leaflet_order():
    spreads = [
        spread("l2", Y, P, area=LEAD, order=2),  # 25 %
        spread("c3", Y, P, order=3, priority=True),  # 25 %, priority
        spread("l1", Y, P, area=LEAD, order=1),  # 25 %
        spread("c1", Y, N, order=1),  # 100 %
        spread("c2", Y, P, order=2),  # 25 %
    ]

    ranked = sorted(spreads, key=split_view_key)

    assert [s.question_code for s in ranked] == ["c1", "c3", "c2", "l1", "l2"]


def test_key_actions_everyone_answered_alike_are_agreed_by_all_and_not_split_views():
    spreads = [
        spread("c1", Y, N, order=1),  # split view
        spread("c4", Y, Y, S, order=4),  # agreed by all
        spread("c5", N, S, order=5),  # one scored answer: neither
        spread("l3", area=LEAD, order=3),  # nobody answered: neither
    ]

    result = score_group(spreads, scale=SCALE)

    assert [s.question_code for s, _ in result.agenda] == ["c1"]
    assert [s.question_code for s in result.agreed_by_all] == ["c4"]


SG, SV = AgendaReason.SHARED_GAP, AgendaReason.SPLIT_VIEW


@pytest.mark.parametrize(
    ("spreads", "size", "expected"),
    [
        (  # the two kinds take turns, a shared gap first
            [
                spread("c1", Y, N, order=1),  # split 100 %
                spread("c2", Y, Y, P, order=2),  # split 22 %
                spread("c3", N, N, N, order=3),  # shared 3 of 3
                spread("c4", P, P, N, order=4),  # shared 3 of 3 (and split)
                spread("c5", Y, Y, Y, order=5),  # neither
            ],
            5,
            [("c3", SG), ("c1", SV), ("c4", SG), ("c2", SV)],
        ),
        (  # research priorities that everyone answered Partly or Not yet lead the agenda
            [
                spread("c1", Y, N, order=1),  # split 100 %
                spread("c2", Y, N, order=2),  # split 100 %
                spread("c3", Y, N, order=3),  # split 100 %
                spread("l1", P, P, P, area=LEAD, order=1, priority=True),  # shared, priority
                spread("l2", N, N, N, area=LEAD, order=2, priority=True),  # shared, priority
                spread("l3", N, N, N, area=LEAD, order=3),  # shared, not a priority
            ],
            3,
            [("l2", SG), ("c1", SV), ("l1", SG)],  # more Not yet first
        ),
        (  # when the split views run out, shared gaps fill the places
            [
                spread("c1", Y, N, order=1),
                spread("c2", N, N, order=2),
                spread("c3", N, N, order=3),
                spread("c4", N, N, order=4),
            ],
            5,
            [("c2", SG), ("c1", SV), ("c3", SG), ("c4", SG)],
        ),
        (  # and the other way round
            [
                spread("c1", Y, N, order=1),
                spread("c2", Y, P, order=2),
                spread("c3", Y, Y, Y, P, order=3),
                spread("c4", N, N, order=4),
            ],
            5,
            [("c4", SG), ("c1", SV), ("c2", SV), ("c3", SV)],
        ),
        (  # only split views
            [spread("c1", Y, P, order=1), spread("c2", Y, N, order=2)],
            5,
            [("c2", SV), ("c1", SV)],
        ),
        (  # the agenda size caps it
            [spread(f"c{i}", N, N, order=i) for i in range(1, 9)],
            5,
            [(f"c{i}", SG) for i in range(1, 6)],
        ),
        (  # an agenda of one
            [spread("c1", Y, N, order=1), spread("c2", N, N, order=2)],
            1,
            [("c2", SG)],
        ),
        (  # nothing to talk about
            [spread("c1", Y, Y, order=1), spread("c2", Y, Y, S, order=2)],
            5,
            [],
        ),
    ],
    ids=[
        "taking turns",
        "priorities lead",
        "split views run out",
        "shared gaps run out",
        "only split views",
        "capped",
        "size one",
        "empty",
    ],
)
def test_the_agenda_takes_shared_gaps_and_split_views_in_turn_up_to_its_size(
    spreads, size, expected
):
    items = agenda(spreads, size=size)

    assert [(s.question_code, reason) for s, reason in items] == expected
    assert score_group(spreads, scale=SCALE, agenda_size=size).agenda == items


def test_a_key_action_that_is_both_appears_once_as_a_shared_gap():
    both = spread("c1", Y, N, N, order=1)  # 2 of 3 gaps, and a split view
    split = spread("c2", Y, P, order=2)

    items = agenda([split, both], size=5)

    assert [(s.question_code, reason) for s, reason in items] == [("c1", SG), ("c2", SV)]
    assert both.is_split_view and both.is_shared_gap


def test_the_default_agenda_has_five_items():
    spreads = [spread(f"c{i}", Y, N, order=i) for i in range(1, 21)]

    assert len(score_group(spreads, scale=SCALE).agenda) == 5


def test_shared_strengths_are_in_leaflet_order():
    spreads = [
        spread("l1", Y, Y, P, area=LEAD, order=1),
        spread("c2", Y, Y, Y, order=2),
        spread("c1", Y, P, N, order=1),  # not most
    ]

    result = score_group(spreads, scale=SCALE)

    assert [s.question_code for s in result.shared_strengths] == ["c2", "l1"]


@pytest.mark.parametrize("key", [split_view_key, shared_gap_key])
def test_split_view_and_shared_gap_ties_in_leaflet_order_fall_back_to_the_code(key):
    # Two questions at the same place cannot happen in a valid checklist; the order still holds.
    b, a = spread("b", Y, N, N), spread("a", Y, N, N)

    assert [s.question_code for s in sorted([b, a], key=key)] == ["a", "b"]


def test_shared_gaps_rank_priorities_then_more_gaps_then_more_not_yet_then_leaflet_order():
    spreads = [
        spread("c1", P, P, P, N, order=1),  # 4 gaps, 1 Not yet
        spread("c2", P, P, N, N, order=2),  # 4 gaps, 2 Not yet
        spread("c3", P, P, N, Y, order=3),  # 3 gaps
        spread("c4", P, N, Y, Y, order=4),  # half: not shared
        spread("l1", P, P, N, Y, area=LEAD, order=1, priority=True),  # priority, 3 gaps
        spread("l2", P, P, P, N, area=LEAD, order=2),  # ties with c1: leaflet order
    ]

    result = score_group(spreads, scale=SCALE)

    assert [s.question_code for s in result.shared_gaps] == ["l1", "c2", "c1", "l2", "c3"]


def test_the_groups_area_figures_are_the_individual_rules_over_every_counted_answer():
    spreads = [
        spread("c1", Y, Y, P, S, order=1),
        spread("c2", N, N, P, order=2),
        spread("l1", S, S, area=LEAD, order=1),
    ]
    # The same answers, one member's answer at a time.
    answers = [
        answer(s.question_code, c.option.code, area=s.area, order=s.question_order)
        for s in spreads
        for c in s.counts
        for _ in range(c.count)
    ]

    group = score_group(spreads, areas=AREAS, scale=SCALE)
    individual = score(answers, areas=AREAS, scale=SCALE)

    assert group.areas == individual.areas
    assert group.overall == individual.overall
    climate, lead = (a.score for a in group.areas)
    assert (climate.points, climate.max_points, climate.percentage) == (6, 12, 50)
    assert lead.nothing_scored and lead.not_sure == 2


@pytest.mark.parametrize(
    ("options", "widths"),
    [
        ([Y] * 6 + [N] * 6, {"yes": 50, "not-yet": 50}),
        ([Y, P, N], {"yes": 35, "partly": 35, "not-yet": 30}),  # equal remainders: scale order
        ([Y] * 7 + [P] * 5, {"yes": 60, "partly": 40}),  # 58.3 and 41.7: largest remainder
        ([S], {"not-sure": 100}),
        ([], {}),
    ],
)
def test_the_spread_bar_is_drawn_in_steps_of_five_that_add_up_to_the_whole(options, widths):
    segments = spread_segments(counts(*options))

    assert {c.option.code: width for c, width in segments} == widths
    assert [c.option.code for c, _ in segments] == [o.code for o in SCALE if o.code in widths]
