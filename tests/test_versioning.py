"""Copying a checklist version as a draft and publishing it (assessments.versioning)."""

import pytest

from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote
from assessments.versioning import VersioningError, checklist_copy_as_draft, checklist_publish


def _edited_copy(checklist: ChecklistVersion) -> ChecklistVersion:
    """A draft copy with one key action reworded: an unchanged copy is not published."""
    copy = checklist_copy_as_draft(checklist=checklist)
    Question.objects.filter(checklist=copy, code="encourage-creativity").update(
        text="Do you encourage creativity in everyone?"
    )
    return copy


def _content(checklist: ChecklistVersion) -> dict[str, list[tuple]]:
    """Everything a version holds, keyed by codes, without ids or the version itself."""
    return {
        "areas": list(
            Area.objects.filter(checklist=checklist).values_list(
                "code", "order", "title", "introduction"
            )
        ),
        "questions": list(
            Question.objects.filter(area__checklist=checklist).values_list(
                "area__code",
                "code",
                "order",
                "summary",
                "text",
                "guidance",
                "discussion_prompts",
                "quote__area__code",
                "quote__order",
                "is_research_priority",
                "research_finding",
            )
        ),
        "quotes": list(
            Quote.objects.filter(area__checklist=checklist).values_list(
                "area__code", "order", "text"
            )
        ),
        "options": list(
            AnswerOption.objects.filter(checklist=checklist).values_list(
                "code", "label", "hint", "points", "order"
            )
        ),
    }


def test_a_copy_is_a_draft_numbered_after_the_highest_version_and_based_on_the_original(
    checklist,
):
    copy = checklist_copy_as_draft(checklist=checklist)

    assert copy.number == 2
    assert copy.status == ChecklistVersion.Status.DRAFT
    assert copy.based_on == checklist
    assert copy.published_at is None
    assert (copy.title, copy.innovation_definition, copy.key_findings, copy.introduction) == (
        checklist.title,
        checklist.innovation_definition,
        checklist.key_findings,
        checklist.introduction,
    )


def test_a_copy_holds_every_area_question_quote_and_answer_option_with_codes_intact(checklist):
    copy = checklist_copy_as_draft(checklist=checklist)

    assert _content(copy) == _content(checklist)
    assert len(_content(copy)["questions"]) == 20
    # Natural keys resolve to the copy's own rows, not the original's.
    question = Question.objects.get_by_natural_key(2, "encourage-creativity")
    assert question.area == Area.objects.get_by_natural_key(2, "climate")
    assert question.area.checklist == copy
    assert Quote.objects.get_by_natural_key(2, "delivery", 7).area.checklist == copy
    assert AnswerOption.objects.get_by_natural_key(2, "not-sure").points is None


def test_copying_leaves_the_original_untouched(checklist):
    before = _content(checklist)

    checklist_copy_as_draft(checklist=checklist)

    checklist.refresh_from_db()
    assert checklist.status == ChecklistVersion.Status.PUBLISHED
    assert _content(checklist) == before


def test_a_copy_of_a_copy_takes_the_next_number(checklist):
    first = checklist_copy_as_draft(checklist=checklist)

    second = checklist_copy_as_draft(checklist=checklist)

    assert (first.number, second.number) == (2, 3)


def test_publishing_a_draft_makes_it_the_published_version_and_retires_the_old_one(
    checklist, admin_user
):
    copy = _edited_copy(checklist)

    published = checklist_publish(checklist=copy, published_by=admin_user)

    checklist.refresh_from_db()
    assert published.status == ChecklistVersion.Status.PUBLISHED
    assert published.published_at is not None
    assert published.published_by == admin_user
    assert checklist.status == ChecklistVersion.Status.RETIRED
    assert ChecklistVersion.objects.published() == copy


def test_it_refuses_to_publish_a_version_that_is_not_a_draft(checklist, admin_user):
    with pytest.raises(VersioningError, match="Version 1 is already published"):
        checklist_publish(checklist=checklist, published_by=admin_user)

    copy = _edited_copy(checklist)
    checklist_publish(checklist=copy, published_by=admin_user)
    checklist.refresh_from_db()
    with pytest.raises(VersioningError, match="Version 1 is retired, not a draft"):
        checklist_publish(checklist=checklist, published_by=admin_user)


def test_it_refuses_to_publish_a_draft_with_no_questions(checklist, admin_user):
    copy = checklist_copy_as_draft(checklist=checklist)
    Question.objects.filter(area__checklist=copy).delete()

    with pytest.raises(
        VersioningError,
        match="Version 2 cannot be published yet: The area “Create the climate for innovation” has no key actions",
    ):
        checklist_publish(checklist=copy, published_by=admin_user)

    assert ChecklistVersion.objects.published() == checklist


def test_it_refuses_to_publish_a_draft_with_no_answer_scale(checklist, admin_user):
    copy = _edited_copy(checklist)
    copy.answer_options.all().delete()

    with pytest.raises(VersioningError, match="has no answer scale"):
        checklist_publish(checklist=copy, published_by=admin_user)


def test_a_copy_records_a_history_record_for_every_row_it_makes(checklist, admin_user):
    copy = checklist_copy_as_draft(checklist=checklist, copied_by=admin_user)

    reason = "Copied from version 1"
    assert copy.history.get().history_change_reason == reason
    rows_of_copy = {
        Area: Area.objects.filter(checklist=copy),
        Question: Question.objects.filter(checklist=copy),
        Quote: Quote.objects.filter(area__checklist=copy),
        AnswerOption: AnswerOption.objects.filter(checklist=copy),
    }
    for model, rows in rows_of_copy.items():
        records = model.history.filter(id__in=rows.values("pk"))
        assert records.count() == rows.count() > 0
        assert set(records.values_list("history_change_reason", "history_user")) == {
            (reason, admin_user.pk)
        }
