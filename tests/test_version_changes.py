"""What changed between two checklist versions (assessments.version_changes), on copies of the
published version edited here as an admin would edit them."""

from collections.abc import Callable

import pytest

from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote
from assessments.version_changes import ChangeKind, FieldChange, compare_versions
from assessments.versioning import checklist_copy_as_draft


@pytest.fixture
def copy(checklist) -> ChecklistVersion:
    return checklist_copy_as_draft(checklist=checklist)


def _question(copy, code) -> Question:
    return Question.objects.get(checklist=copy, code=code)


def _flat(changes) -> set[tuple]:
    """Every changed field as (area code, item kind, item code, field name, field kind); an
    area added or removed with nothing in it adds none."""
    rows = set()
    for area in changes.areas:
        for field in area.fields:
            rows.add((area.code, None, area.code, field.name, field.kind))
        for item in (*area.key_actions, *area.quotes):
            for field in item.fields:
                rows.add((area.code, item.kind, item.code, field.name, field.kind))
    for item in changes.answer_options:
        for field in item.fields:
            rows.add((None, item.kind, item.code, field.name, field.kind))
    for field in changes.fields:
        rows.add((None, None, None, field.name, field.kind))
    return rows


def reword_question(copy):
    Question.objects.filter(checklist=copy, code="encourage-creativity").update(
        text="Do you encourage creativity in everyone?"
    )


def reword_summary(copy):
    Question.objects.filter(checklist=copy, code="persist").update(summary="Keep going")


def change_guidance(copy):
    Question.objects.filter(checklist=copy, code="persist").update(guidance="Keep at it.")


def change_quote_words(copy):
    Quote.objects.filter(area__checklist=copy, area__code="climate", order=6).update(
        text="New words."
    )


def point_at_another_quote(copy):
    other = Quote.objects.get(area__checklist=copy, area__code="climate", order=2)
    Question.objects.filter(checklist=copy, code="encourage-creativity").update(quote=other)


def add_key_action(copy):
    Question.objects.create(
        area=Area.objects.get(checklist=copy, code="delivery"),
        code="share-what-works",
        order=9,
        summary="Share what works",
        text="Do you share what works?",
    )


def remove_key_action(copy):
    Question.objects.filter(checklist=copy, code="persist").delete()


def change_points_and_hint(copy):
    AnswerOption.objects.filter(checklist=copy, code="partly").update(points=3, hint="Some.")


def add_area(copy):
    Area.objects.create(checklist=copy, code="learning", order=9, title="Learn as you go")


def move_key_action(copy):
    Question.objects.filter(checklist=copy, code="persist").update(
        area=Area.objects.get(checklist=copy, code="climate"), order=20
    )


def change_prompts_and_priority(copy):
    Question.objects.filter(checklist=copy, code="persist").update(
        discussion_prompts="What would make us stop?",
        is_research_priority=False,
        research_finding="",
    )


def change_the_introduction(copy):
    copy.introduction = "A new start page."
    copy.save()


EDQ = "encourage-creativity"


@pytest.mark.parametrize(
    ("edit", "expected", "reworded"),
    [
        (
            reword_question,
            {("climate", ChangeKind.CHANGED, EDQ, "The question", "reworded")},
            [EDQ],
        ),
        (
            reword_summary,
            {("delivery", ChangeKind.CHANGED, "persist", "Summary", "reworded")},
            ["persist"],
        ),
        (
            change_guidance,
            {("delivery", ChangeKind.CHANGED, "persist", "What good looks like", "reworded")},
            [],
        ),
        (
            change_quote_words,
            {
                ("climate", ChangeKind.CHANGED, "climate-6", "Quote", "reworded"),
                ("climate", ChangeKind.CHANGED, EDQ, "Quote", "reworded"),
            },
            [],
        ),
        (point_at_another_quote, {("climate", ChangeKind.CHANGED, EDQ, "Quote", "changed")}, []),
        (
            add_key_action,
            {
                ("delivery", ChangeKind.ADDED, "share-what-works", "Summary", "reworded"),
                ("delivery", ChangeKind.ADDED, "share-what-works", "The question", "reworded"),
            },
            [],
        ),
        (
            remove_key_action,
            {
                ("delivery", ChangeKind.REMOVED, "persist", "Summary", "reworded"),
                ("delivery", ChangeKind.REMOVED, "persist", "The question", "reworded"),
                ("delivery", ChangeKind.REMOVED, "persist", "What good looks like", "reworded"),
            },
            [],
        ),
        (
            change_points_and_hint,
            {
                (None, ChangeKind.CHANGED, "partly", "Points", "changed"),
                (None, ChangeKind.CHANGED, "partly", "Hint", "reworded"),
            },
            [],
        ),
        (
            move_key_action,
            {
                ("climate", ChangeKind.CHANGED, "persist", "Area", "changed"),
                ("climate", ChangeKind.CHANGED, "persist", "Order", "changed"),
            },
            [],
        ),
        (
            change_prompts_and_priority,
            {
                ("delivery", ChangeKind.CHANGED, "persist", "Facilitator prompts", "reworded"),
                ("delivery", ChangeKind.CHANGED, "persist", "Research priority", "changed"),
                ("delivery", ChangeKind.CHANGED, "persist", "Research finding", "reworded"),
            },
            [],
        ),
        (change_the_introduction, {(None, None, None, "Introduction", "reworded")}, []),
    ],
)
def test_each_edit_is_found_by_code_and_named_in_words(
    checklist, copy, edit: Callable, expected: set, reworded: list
):
    edit(copy)

    changes = compare_versions(old=checklist, new=copy)

    assert _flat(changes) == expected
    assert list(changes.reworded_codes) == reworded
    assert not changes.is_empty


def test_an_added_area_is_listed_as_added(checklist, copy):
    add_area(copy)

    changes = compare_versions(old=checklist, new=copy)

    assert [(area.code, area.kind) for area in changes.areas] == [("learning", ChangeKind.ADDED)]
    assert changes.summary() == "1 area added"


def test_a_reworded_question_shows_its_old_and_new_wording(checklist, copy):
    reword_question(copy)

    changes = compare_versions(old=checklist, new=copy)

    (item,) = changes.areas[0].key_actions
    assert item.name == "Encourage creativity"
    assert item.fields == (
        FieldChange(
            "The question",
            ChangeKind.REWORDED,
            _question(checklist, EDQ).text,
            "Do you encourage creativity in everyone?",
        ),
    )
    assert changes.reworded_key_actions == ("Encourage creativity",)


def test_an_unchanged_copy_has_no_changes(checklist, copy):
    changes = compare_versions(old=checklist, new=copy)

    assert changes.is_empty
    assert changes.summary() == "No changes"
    assert changes.reworded_codes == ()


def test_other_line_endings_and_spaces_at_the_ends_are_not_changes(checklist, copy):
    question = _question(copy, EDQ)
    Question.objects.filter(pk=question.pk).update(
        guidance=question.guidance.replace("\n", "\r\n") + "  ", text=f" {question.text} "
    )

    assert compare_versions(old=checklist, new=copy).is_empty


def test_the_summary_counts_each_kind_of_change(checklist, copy):
    reword_question(copy)
    reword_summary(copy)
    change_quote_words(copy)
    add_key_action(copy)
    change_points_and_hint(copy)

    summary = compare_versions(old=checklist, new=copy).summary()

    assert summary == (
        "2 key actions reworded, 1 key action added, 1 quote changed, 1 answer option changed"
    )


def test_the_comparison_takes_the_same_few_queries_whatever_changed(
    checklist, copy, django_assert_num_queries
):
    for edit in (reword_question, change_quote_words, add_key_action, add_area, remove_key_action):
        edit(copy)

    with django_assert_num_queries(8):
        compare_versions(old=checklist, new=copy)
