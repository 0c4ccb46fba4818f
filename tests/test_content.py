"""
The checklist fixture against the leaflet it comes from (tests/data/leaflet.txt), and `loaddata`
refusing fixtures that would load wrong.

How the leaflet's text is laid out, which the parser below relies on:

* Page one is the summary: four headings, each followed by a "- " list of key actions.
* Overleaf, each area has a "Do you:" list of the same key actions as questions, and quotes.
  The page is set in columns, so a heading can come after its area's quotes in the text: the
  quotes of an area are the ones between the previous "Do you:" list and its own, and the area's
  heading sits somewhere in that stretch.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote

LEAFLET = Path(__file__).parent / "data" / "leaflet.txt"

# The one place the fixture differs from the leaflet's words on purpose (PRODUCT.md section 2):
# the leaflet's question list spells "license" where its summary has the British "licence".
BRITISH_SPELLING = {"license": "licence"}

# PRODUCT.md section 2 names the five key actions that are the research's priorities.
RESEARCH_PRIORITIES = [
    "Select the priority areas for major innovations",
    "Devote sufficient time, resources and expertise to priority innovations",
    "Involve key stakeholders, eg residents, employees, partners, businesses",
    "Monitor progress closely",
    "Persist, persist, persist",
]


@dataclass
class LeafletArea:
    title: str
    summaries: list[str]
    questions: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    section_text: str = ""


def _list_items(lines: list[str], start: int) -> list[str]:
    """The run of "- " items that begins at `start`, after any blank lines."""
    while not lines[start].strip():
        start += 1
    items = []
    while start < len(lines) and lines[start].startswith("- "):
        items.append(lines[start][2:])
        start += 1
    return items


def _quotes(text: str) -> list[str]:
    """Every quote in `text`: each "…" on a line that starts with one (or with "> ")."""
    quotes = []
    for line in text.splitlines():
        line = line.removeprefix("> ")
        if line.startswith('"'):
            quotes += re.findall(r'"([^"]+)"', line)
    return quotes


def parse_leaflet() -> list[LeafletArea]:
    """The leaflet's four areas in the summary's order, with their questions and quotes."""
    text = LEAFLET.read_text()
    lines = text.splitlines()
    overleaf = lines.index("The quotes overleaf are from the leading politicians interviewed.")

    summary_end = next(i for i, line in enumerate(lines) if line.startswith("These key actions"))
    areas = []
    for index, line in enumerate(lines[1:summary_end], start=1):
        if line.strip() and not line.startswith("- "):
            areas.append(LeafletArea(title=line, summaries=_list_items(lines, index + 1)))

    section_start = overleaf + 1
    for index in [i for i, line in enumerate(lines) if line == "Do you:"]:
        questions = _list_items(lines, index + 1)
        # Match the list to its area by content, not position: the order overleaf differs.
        area = next(
            area
            for area in areas
            if questions[0].removesuffix("?").lower() == area.summaries[0].lower()
        )
        area.questions = questions
        area.section_text = "\n".join(lines[section_start:index])
        area.quotes = _quotes(area.section_text)
        section_start = index + len(questions) + 2
    return areas


def leaflet_text() -> str:
    """The leaflet as prose: bold markers gone, so sentences can be searched for whole."""
    return LEAFLET.read_text().replace("**", "")


def key_findings_list() -> list[str]:
    lines = leaflet_text().splitlines()
    start = next(
        i for i, line in enumerate(lines) if "most important areas for further action" in line
    )
    return _list_items(lines, start + 1)


def _rows() -> dict[str, list[dict]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (ChecklistVersion, AnswerOption, Area, Question, Quote)
    }


# --- The parser reads the leaflet as the leaflet reads -----------------------------------------


def test_the_leaflet_parser_finds_four_areas_with_twenty_key_actions_and_their_quotes():
    areas = parse_leaflet()

    assert [len(area.summaries) for area in areas] == [6, 5, 4, 5]
    assert [len(area.questions) for area in areas] == [6, 5, 4, 5]
    assert [len(area.quotes) for area in areas] == [8, 7, 8, 7]
    # Between two "Do you:" lists there is nothing but quotes and the one area heading.
    for area in areas:
        other_lines = [
            line
            for line in area.section_text.splitlines()
            if line.strip() and not line.removeprefix("> ").startswith('"')
        ]
        assert len(other_lines) == 1
    assert key_findings_list()[0] == "agree the priority areas for future innovations"


# --- The fixture says what the leaflet says ----------------------------------------------------


def test_the_fixture_has_the_four_areas_in_the_summarys_order_with_its_titles(checklist):
    areas = parse_leaflet()

    assert list(checklist.areas.values_list("title", flat=True)) == [a.title for a in areas]
    assert list(checklist.areas.values_list("order", flat=True)) == [1, 2, 3, 4]


def test_every_key_action_is_stored_with_the_summarys_wording_in_order(checklist):
    for area, leaflet_area in zip(checklist.areas.all(), parse_leaflet(), strict=True):
        assert list(area.questions.values_list("summary", flat=True)) == leaflet_area.summaries


def test_every_question_is_the_leaflets_do_you_question_word_for_word(checklist):
    questions = Question.objects.filter(area__checklist=checklist)
    assert questions.count() == 20

    for area, leaflet_area in zip(checklist.areas.all(), parse_leaflet(), strict=True):
        expected = []
        for item in leaflet_area.questions:
            for american, british in BRITISH_SPELLING.items():
                item = item.replace(american, british)
            expected.append(f"Do you {item}")
        assert list(area.questions.values_list("text", flat=True)) == expected


def test_the_only_change_from_the_leaflets_questions_is_british_licence(checklist):
    changed = [
        item
        for leaflet_area in parse_leaflet()
        for item in leaflet_area.questions
        if not Question.objects.filter(text=f"Do you {item}").exists()
    ]

    assert changed == ["provide space and license to test new approaches?"]
    assert Question.objects.get(code="space-to-test").text == (
        "Do you provide space and licence to test new approaches?"
    )


def test_question_codes_and_orders_are_stable_slugs_unique_in_the_version(checklist):
    codes = list(Question.objects.filter(area__checklist=checklist).values_list("code", flat=True))

    assert len(set(codes)) == 20
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) for code in codes)
    for area in checklist.areas.all():
        assert list(area.questions.values_list("order", flat=True)) == list(
            range(1, area.questions.count() + 1)
        )


def test_every_quote_is_the_leaflets_and_sits_under_its_own_area(checklist):
    for area, leaflet_area in zip(checklist.areas.all(), parse_leaflet(), strict=True):
        assert list(area.quotes.values_list("text", flat=True)) == leaflet_area.quotes, area.code


def test_the_five_research_priorities_carry_the_key_findings_wording(checklist):
    priorities = Question.objects.filter(area__checklist=checklist, is_research_priority=True)
    # The findings list ends its last item with a full stop; the stored wording does not.
    findings = [item.removesuffix(".") for item in key_findings_list()]

    assert list(priorities.values_list("summary", flat=True)) == RESEARCH_PRIORITIES
    assert list(priorities.values_list("research_finding", flat=True)) == findings
    assert not Question.objects.filter(is_research_priority=False).exclude(research_finding="")


# Which leaflet quote speaks to which key action: chosen by reading them, pinned here so that a
# fixture edit can never put a quote beside an action it does not speak to. The start of the
# quote is enough to name it. None: no quote in the leaflet speaks to that action.
QUOTE_FOR_KEY_ACTION = {
    "encourage-creativity": "We encourage the officers, if you have got an idea",
    "invite-external-challenges": "External challenge is good",
    "look-for-fresh-ideas": "Make sure that people are talking to other councils",
    "take-calculated-risks": "It is not about taking risks",
    "experiment-and-learn": "You need to road test it first, to learn what works",
    "celebrate-achievements": None,
    "united-leadership": "You have to take people with you",
    "communicate-the-need": "Councils are in the best place ever to have a conversation",
    "listen-to-others": "Councillors should spend time with the staff doing the actual delivery",
    "work-cross-council": None,
    "move-forward-boldly": "Be brave and confident about what you are doing",
    "agree-long-term-objectives": "We have a 20-year plan",
    "understand-residents-concerns": "The first conversation has to be with your community",
    "select-priority-areas": "You could have a really bright idea",
    "ensure-innovations-attainable": "There is no point in having ideas if you can't deliver them",
    "devote-resources": "You can't do everything at once",
    "space-to-test": "You need a clearly defined goal, but be prepared to change the way",
    "involve-stakeholders": "You need to involve employees' representatives from the beginning",
    "monitor-progress": "The secret is to recognise quite quickly when it is not going well",
    "persist": "Even when it gets rocky, you have to have the resolve",
}


def test_each_key_action_has_the_one_quote_that_speaks_to_it(checklist):
    questions = Question.objects.filter(area__checklist=checklist).select_related("quote")
    linked = {q.code: (q.quote.text if q.quote else None) for q in questions}

    assert set(linked) == set(QUOTE_FOR_KEY_ACTION)
    for code, start in QUOTE_FOR_KEY_ACTION.items():
        if start is None:
            assert linked[code] is None, code
        else:
            assert linked[code] is not None and linked[code].startswith(start), code


def test_every_linked_quote_is_one_of_the_versions_own_leaflet_quotes(checklist):
    leaflet_quotes = [quote for area in parse_leaflet() for quote in area.quotes]
    for question in Question.objects.filter(area__checklist=checklist, quote__isnull=False):
        assert question.quote.area.checklist_id == checklist.pk
        assert any(question.quote.text in quote for quote in leaflet_quotes), question.code


def test_the_area_quotes_stay_under_their_area_whether_linked_or_not(checklist):
    assert Quote.objects.filter(area__checklist=checklist).count() == sum(
        len(area.quotes) for area in parse_leaflet()
    )


def test_every_key_action_says_what_good_looks_like_in_two_or_three_sentences(checklist):
    for question in Question.objects.filter(area__checklist=checklist):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", question.guidance.strip()) if s]
        assert 2 <= len(sentences) <= 3, question.code
        # The service's own voice: never put in the research's or the leaflet's mouth.
        assert "research" not in question.guidance.lower(), question.code


def test_the_definition_findings_and_introduction_are_the_leaflets_words(checklist):
    leaflet = leaflet_text()

    for text in (checklist.innovation_definition, checklist.key_findings, checklist.introduction):
        for paragraph in filter(None, text.splitlines()):
            assert paragraph in leaflet, paragraph
    assert checklist.innovation_definition.startswith("Innovations are changes to services")
    assert "- new to the council and" in checklist.innovation_definition.splitlines()


def test_the_answer_scale_is_yes_partly_not_yet_and_not_sure(checklist):
    scale = [(o.label, o.points) for o in checklist.answer_options.all()]

    assert scale == [("Yes", 2), ("Partly", 1), ("Not yet", 0), ("Not sure", None)]


def test_loading_the_fixture_twice_leaves_the_same_rows(checklist):
    before = _rows()

    call_command("loaddata", "checklist", verbosity=0)

    assert _rows() == before


# --- loaddata refuses a bad fixture and changes nothing ----------------------------------------


def _question(area_code, code, order, number=1):
    return {
        "model": "assessments.question",
        "fields": {
            "area": [number, area_code],
            "checklist": [number],
            "code": code,
            "order": order,
            "summary": f"Summary of {code}",
            "text": f"Do you {code}?",
        },
    }


def _version_and_area(number: int) -> tuple[dict, dict]:
    """A checklist version and one area of it, as fixture objects."""
    version = {
        "model": "assessments.checklistversion",
        "fields": {
            "number": number,
            "title": "Test",
            "innovation_definition": "D",
            "key_findings": "K",
            "created_at": "2026-01-01T00:00:00Z",
        },
    }
    area = {
        "model": "assessments.area",
        "fields": {
            "checklist": [number],
            "code": "climate",
            "order": 1,
            "title": "A",
        },
    }
    return version, area


def _write_fixture(tmp_path, objects) -> str:
    path = tmp_path / "bad_checklist.json"
    path.write_text(json.dumps(objects))
    return str(path)


def test_it_refuses_two_questions_with_the_same_code_and_changes_nothing(checklist, tmp_path):
    before = _rows()
    path = _write_fixture(
        tmp_path, [_question("climate", "new-idea", 7), _question("climate", "new-idea", 8)]
    )

    with pytest.raises(CommandError) as error:
        call_command("loaddata", path, verbosity=0)

    assert str(error.value) == (
        f"Duplicate question code 'new-idea' in checklist version 1 (fixture '{path}'). "
        "It appears twice in area 'climate'. "
        "Each question code may appear only once in a checklist version."
    )
    assert _rows() == before


def test_it_refuses_a_question_code_repeated_in_another_area_of_the_version(checklist, tmp_path):
    before = _rows()
    path = _write_fixture(
        tmp_path, [_question("climate", "new-idea", 7), _question("delivery", "new-idea", 6)]
    )

    with pytest.raises(CommandError, match="used in area 'climate' and again in area 'delivery'"):
        call_command("loaddata", path, verbosity=0)

    assert _rows() == before


def test_it_refuses_a_duplicate_area_in_a_fresh_database(no_checklist, tmp_path):
    version, area = _version_and_area(7)
    path = _write_fixture(tmp_path, [version, area, {**area, "fields": {**area["fields"]}}])

    with pytest.raises(CommandError, match="Duplicate area 'climate' in checklist version 7"):
        call_command("loaddata", path, verbosity=0)

    assert not ChecklistVersion.objects.exists()
    assert not Area.objects.exists()


def test_it_names_the_missing_area_a_question_points_at_and_changes_nothing(checklist, tmp_path):
    before = _rows()
    path = _write_fixture(
        tmp_path, [_question("climate", "new-idea", 7), _question("no-such-area", "orphan", 1)]
    )

    with pytest.raises(CommandError) as error:
        call_command("loaddata", path, verbosity=0)

    assert str(error.value) == (
        f"Key action 'orphan' in fixture '{path}' points at area 'no-such-area' in checklist "
        "version 1, which does not exist. Add the area to the fixture before anything that "
        "points at it, or correct the reference."
    )
    assert _rows() == before


def test_it_names_the_missing_area_of_a_fixtures_first_object(checklist, tmp_path):
    path = _write_fixture(
        tmp_path, [{"model": "assessments.quote", "fields": {"area": [2, "climate"], "order": 1}}]
    )

    with pytest.raises(
        CommandError, match=r"Quote number 1 .* area 'climate' in checklist version 2"
    ):
        call_command("loaddata", path, verbosity=0)

    assert not AnswerOption.objects.filter(checklist__number=2).exists()


def test_loading_the_same_fixture_again_in_a_later_run_still_updates_in_place(checklist, tmp_path):
    path = _write_fixture(tmp_path, [_question("climate", "new-idea", 7)])

    call_command("loaddata", path, verbosity=0)
    call_command("loaddata", path, verbosity=0)

    assert Question.objects.filter(code="new-idea").count() == 1


def test_it_refuses_a_version_based_on_a_version_that_does_not_exist(no_checklist, tmp_path):
    version = {
        "model": "assessments.checklistversion",
        "fields": {
            "number": 5,
            "title": "Test",
            "innovation_definition": "D",
            "key_findings": "K",
            "based_on": [99],
            "created_at": "2026-01-01T00:00:00Z",
        },
    }
    path = _write_fixture(tmp_path, [version])

    with pytest.raises(
        CommandError, match=r"Checklist version 5 in fixture .* points at checklist version 99,"
    ):
        call_command("loaddata", path, verbosity=0)

    assert not ChecklistVersion.objects.exists()


def test_a_row_the_database_refuses_is_a_plain_error_and_changes_nothing(checklist, tmp_path):
    before = _rows()
    # Two new questions at the same place in the area: the fixture check passes them, the
    # database's unique order per area does not.
    path = _write_fixture(
        tmp_path, [_question("climate", "new-idea", 7), _question("climate", "other-idea", 7)]
    )

    with pytest.raises(CommandError, match=r"^The fixture could not be loaded: ") as error:
        call_command("loaddata", path, verbosity=0)

    assert isinstance(error.value.__cause__, IntegrityError)
    assert _rows() == before


def test_it_refuses_an_area_listed_before_its_version_and_changes_nothing(no_checklist, tmp_path):
    # Django finds a checklist object by a natural key that runs through its version, so the
    # version must already be loaded when the area comes.
    version, area = _version_and_area(7)
    path = _write_fixture(tmp_path, [area, version])

    with pytest.raises(CommandError) as error:
        call_command("loaddata", path, verbosity=0)

    assert str(error.value) == (
        f"Area 'climate' in fixture '{path}' points at checklist version 7, which does not "
        "exist. Add the checklist version to the fixture before anything that points at it, or "
        "correct the reference."
    )
    assert not ChecklistVersion.objects.exists()


def test_it_checks_a_fixture_named_without_its_path_or_extension(checklist, tmp_path, settings):
    settings.FIXTURE_DIRS = [*settings.FIXTURE_DIRS, tmp_path]
    _write_fixture(
        tmp_path, [_question("climate", "new-idea", 7), _question("climate", "new-idea", 8)]
    )

    with pytest.raises(CommandError, match="Duplicate question code 'new-idea'"):
        call_command("loaddata", "bad_checklist", verbosity=0)

    assert not Question.objects.filter(code="new-idea").exists()
