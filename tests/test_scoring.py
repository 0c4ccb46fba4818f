"""The scoring rules, table by table, without the database."""

import pytest

from assessments.scoring import (
    AreaInfo,
    Movement,
    OptionInfo,
    ScoringAnswer,
    compare,
    score,
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
