"""The national overview: answers counted across councils, small councils left out."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, Council, User
from assessments.overview import national_overview
from assessments.overview_counts import overview_counts_move
from tests.builders import make_user, submit

OVERVIEW_URL = reverse("assessments:national_overview")


def add_council(checklist, slug: str, answers: list[dict[str, str]], default="yes") -> Council:
    """A council whose councillors each submitted one assessment: `answers[i]` maps question
    code to answer code for councillor i, any other question answered `default`."""
    council = Council.objects.create(name=f"{slug.title()} Council", slug=slug)
    for i, codes in enumerate(answers):
        owner = make_user(email=f"{slug}-{i}@example.org", full_name=f"{slug} {i}", council=council)
        submit(owner, checklist, codes, default=default)
    return council


def spread(overview, code: str) -> dict[str, tuple[int, int]]:
    for area in overview.areas:
        for row in area.questions:
            if row.question.code == code:
                return {s.option.code: (s.count, s.percentage) for s in row.shares}
    raise AssertionError(code)


@pytest.fixture
def three_councils(checklist):
    """
    Northshire: 10 councillors; on "Encourage creativity" councillor i answers the i % 4th of
    yes, partly, not yet, not sure (3, 3, 2, 2); all 10 answer "Persist" not yet.
    Eastmoor: 3 councillors answering everything "Partly".
    Westfield: 2 councillors answering everything "Not sure": too few, so left out.
    """
    scale = ["yes", "partly", "not-yet", "not-sure"]
    add_council(
        checklist,
        "northshire",
        [{"encourage-creativity": scale[i % 4], "persist": "not-yet"} for i in range(10)],
    )
    add_council(checklist, "eastmoor", [{}] * 3, default="partly")
    add_council(checklist, "westfield", [{}] * 2, default="not-sure")


def test_it_counts_answers_per_question_against_hand_computed_values(three_councils):
    overview = national_overview()

    assert overview.councils_included == 2
    assert overview.councils_excluded == 1
    assert overview.assessments_counted == 13
    # 3 + 3 Eastmoor partly = 6 partly of 13; percentages rounded.
    assert spread(overview, "encourage-creativity") == {
        "yes": (3, 23),
        "partly": (6, 46),
        "not-yet": (2, 15),
        "not-sure": (2, 15),
    }
    assert spread(overview, "persist") == {
        "yes": (0, 0),
        "partly": (3, 23),
        "not-yet": (10, 77),
        "not-sure": (0, 0),
    }
    assert spread(overview, "celebrate-achievements") == {
        "yes": (10, 77),
        "partly": (3, 23),
        "not-yet": (0, 0),
        "not-sure": (0, 0),
    }


def test_it_is_laid_out_by_area_in_leaflet_order(three_councils):
    overview = national_overview()

    assert [area.area.code for area in overview.areas] == [
        "climate",
        "leadership",
        "ambitions",
        "delivery",
    ]
    assert [len(area.questions) for area in overview.areas] == [6, 5, 4, 5]


def test_a_council_counts_councillors_who_submitted_not_assessments(checklist):
    """Two councillors who submitted three times between them stay below the minimum of 3."""
    council = add_council(checklist, "tiny", [{}, {}])
    again = Assessment.objects.filter(owner__council=council).first()
    Assessment.objects.create(
        owner=again.owner,
        checklist=checklist,
        status=Assessment.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )

    overview = national_overview()

    assert overview.councils_included == 0
    assert overview.councils_excluded == 1
    assert overview.assessments_counted == 0


def test_drafts_and_councillors_without_a_council_are_not_counted(three_councils, checklist):
    owner = User.objects.filter(council__slug="westfield").first()
    Assessment.objects.create(owner=owner, checklist=checklist)  # a draft: not counted
    for person in User.objects.filter(council__slug="westfield"):
        # As the admin's account form does before it saves a person's new council.
        overview_counts_move(person_id=person.pk, council_id=None)
    User.objects.filter(council__slug="westfield").update(council=None)

    overview = national_overview()

    assert overview.councils_included == 2
    assert overview.councils_excluded == 0
    assert overview.assessments_counted == 13


def test_the_minimum_is_the_group_setting(three_councils, settings):
    settings.GROUP_MIN_RESPONSES = 2

    overview = national_overview()

    assert overview.councils_included == 3
    assert spread(overview, "persist")["not-sure"] == (2, 13)


def test_the_page_shows_percentages_counts_and_what_was_left_out(
    client, admin_user, three_councils
):
    client.force_login(admin_user)

    page = client.get(OVERVIEW_URL).text

    assert "13 submitted assessments from 2 councils" in page
    assert "1 council is left out because fewer than 3 of its councillors" in page
    assert "Create the climate for innovation" in page
    assert "46%" in page
    assert "Research priority" in page


@pytest.mark.parametrize("persona", ["councillor", "officer", "other_officer"])
def test_only_admins_see_the_overview(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(OVERVIEW_URL).status_code == 403


def test_an_empty_overview_says_there_is_nothing_yet(client, admin_user, checklist):
    client.force_login(admin_user)

    assert "There are no answers to show yet." in client.get(OVERVIEW_URL).text


def test_the_overview_runs_a_fixed_number_of_queries_with_3_or_30_councils(
    client, admin_user, checklist, django_assert_num_queries
):
    client.force_login(admin_user)

    def add(first, count):
        for n in range(first, first + count):
            add_council(checklist, f"c{n:02d}", [{}, {"persist": "partly"}, {}])

    add(0, 3)
    # Session, user, councils' submitters, counts, checklist, scale, questions.
    with django_assert_num_queries(9):
        response = client.get(OVERVIEW_URL)
    assert response.context["overview"].councils_included == 3
    add(3, 27)
    with django_assert_num_queries(9):
        response = client.get(OVERVIEW_URL)
    assert response.context["overview"].councils_included == 30
    assert spread(response.context["overview"], "persist")["partly"] == (30, 33)
