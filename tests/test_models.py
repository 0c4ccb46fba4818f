"""The invariants the database itself keeps, whatever code writes to it."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Answer, Assessment, ChecklistVersion, Question


def test_a_question_is_answered_once_per_assessment(draft):
    question = Question.objects.filter(area__checklist=draft.checklist).first()
    Answer.objects.create(assessment=draft, question=question)

    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(assessment=draft, question=question)


def test_a_councillor_has_at_most_one_draft(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(owner=draft.owner, checklist=draft.checklist)


def test_a_councillor_may_have_many_submitted_assessments_beside_a_draft(draft):
    for _ in range(2):
        Assessment.objects.create(
            owner=draft.owner,
            checklist=draft.checklist,
            status=Assessment.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )

    assert draft.owner.assessments.count() == 3


def test_a_submitted_assessment_records_when_it_was_submitted(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=draft.pk).update(status=Assessment.Status.SUBMITTED)


def test_a_note_longer_than_2000_characters_is_refused_by_the_database(draft):
    question = Question.objects.filter(area__checklist=draft.checklist).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(assessment=draft, question=question, note="x" * 2001)


def test_only_one_checklist_version_is_published_at_a_time(checklist):
    with pytest.raises(IntegrityError), transaction.atomic():
        ChecklistVersion.objects.create(
            number=2,
            title="Second edition",
            status=ChecklistVersion.Status.PUBLISHED,
            innovation_definition="…",
            key_findings="…",
        )


def test_a_research_priority_carries_the_finding_wording(checklist):
    question = Question.objects.get(area__checklist=checklist, code="persist")

    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(research_finding="")


def test_a_checklist_version_with_answers_is_not_editable(draft):
    assert draft.checklist.is_editable()

    Answer.objects.create(
        assessment=draft, question=Question.objects.filter(area__checklist=draft.checklist).first()
    )

    assert not draft.checklist.is_editable()
