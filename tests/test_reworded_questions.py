"""
Councillors told what changed (issue #14): starting again after a new edition, an answer whose
question was reworded is not carried over as if it answered the new words. The question is
marked "This question has changed since you last answered", shows what it asked then, and must
be answered again before the assessment can be submitted; the report's progress says so too.
"""

import pytest

from assessments.answering import (
    AssessmentIncomplete,
    assessment_open_questions,
    assessment_start,
    assessment_submit,
    reworded_since_last,
)
from assessments.models import Answer, AnswerOption, Question
from assessments.reports import build_report, submitted_assessments
from assessments.scoring import wording_differs
from assessments.versioning import checklist_publish
from tests.answering_helpers import area_url, check_url, save_area
from tests.builders import add_note, new_checklist_version, submit

NEW_WORDING = "Do you encourage creativity in everyone, every day?"
CHANGED = "This question has changed since you last answered."


@pytest.fixture
def second_edition(checklist, admin_user):
    """Version 2, published: "encourage-creativity" reworded, "persist" with new guidance only."""
    draft = new_checklist_version(checklist, reword={"encourage-creativity": NEW_WORDING})
    Question.objects.filter(checklist=draft, code="persist").update(guidance="Keep at it.")
    return checklist_publish(checklist=draft, published_by=admin_user)


@pytest.fixture
def restarted(councillor, checklist, second_edition):
    """The councillor answered version 1 with "Partly" and a note, then starts again on version 2."""
    first = submit(councillor, checklist, default="partly")
    add_note(first, "encourage-creativity", "We ran an ideas week.")
    return assessment_start(owner=councillor, from_previous=True)


def answer_of(assessment, code) -> Answer:
    return Answer.objects.select_related("option").get(assessment=assessment, question__code=code)


def test_a_reworded_question_keeps_its_note_but_not_its_answer(restarted):
    reworded = answer_of(restarted, "encourage-creativity")

    assert reworded.option is None
    assert reworded.note == "We ran an ideas week."
    assert not reworded.confirmed


def test_a_question_with_only_new_guidance_is_carried_over_to_be_confirmed(restarted):
    kept = answer_of(restarted, "persist")

    assert kept.option.code == "partly"
    assert not kept.confirmed


def test_the_area_page_says_the_question_changed_and_what_it_asked_then(signed_in, restarted):
    html = signed_in.get(area_url(restarted, "climate")).content.decode()

    assert html.count(CHANGED) == 1
    assert "Last time it asked “Do you encourage creativity?” and you answered “Partly”." in html
    assert "Question changed</strong>" in html
    # The other five are carried over, to be confirmed as before.
    assert html.count("From your last assessment: check and save</strong>") == 5


def test_an_area_without_reworded_questions_shows_no_mark(signed_in, restarted):
    html = signed_in.get(area_url(restarted, "delivery")).content.decode()

    assert CHANGED not in html


def test_the_mark_stays_once_answered_but_the_question_is_no_longer_open(signed_in, restarted):
    save_area(signed_in, restarted, "climate", default="yes")

    html = signed_in.get(area_url(restarted, "climate")).content.decode()

    assert html.count(CHANGED) == 1
    assert "Question changed</strong>" not in html


def test_confirming_every_other_answer_does_not_make_it_submittable(restarted):
    Answer.objects.filter(assessment=restarted).exclude(
        question__code="encourage-creativity"
    ).update(confirmed=True)

    open_codes = [item.question.code for item in assessment_open_questions(assessment=restarted)]
    with pytest.raises(AssessmentIncomplete) as refusal:
        assessment_submit(assessment=restarted, revision=restarted.revision)

    assert open_codes == ["encourage-creativity"]
    assert refusal.value.messages == [f"Answer “{NEW_WORDING}”"]


def test_check_your_answers_marks_the_reworded_question(signed_in, restarted):
    html = signed_in.get(check_url(restarted)).content.decode()

    assert html.count(CHANGED) == 1


def test_an_assessment_started_blank_marks_nothing(councillor, checklist, second_edition):
    submit(councillor, checklist, default="partly")
    blank = assessment_start(owner=councillor, from_previous=False)

    assert reworded_since_last(assessment=blank, questions=Question.objects.all()) == {}


def test_the_report_says_its_comparison_spans_the_reworded_question(signed_in, restarted):
    yes = AnswerOption.objects.get(checklist=restarted.checklist, code="yes")
    Answer.objects.filter(assessment=restarted).update(option=yes, confirmed=True)
    assessment_submit(assessment=restarted, revision=restarted.revision)

    report = build_report(submitted_assessments().get(pk=restarted.pk))

    assert [q.answer.question_code for q in report.progress.reworded] == ["encourage-creativity"]


def test_the_area_page_with_a_previous_assessment_runs_one_more_query_whatever_its_size(
    signed_in, restarted, django_assert_num_queries
):
    # The seven of a draft's area page (tests/test_answering.py) and the earlier answers.
    with django_assert_num_queries(8):
        signed_in.get(area_url(restarted, "climate"))


@pytest.mark.parametrize(
    ("old", "new", "differs"),
    [
        (("Encourage creativity", "Do you encourage creativity?"),) * 2 + (False,),
        (
            ("Encourage creativity", "Do you encourage creativity?"),
            ("Encourage creativity", "Do you  encourage creativity? "),
            False,
        ),
        (
            ("Encourage creativity", "Do you encourage creativity?"),
            ("Encourage creativity", "Do you encourage creativity daily?"),
            True,
        ),
        (
            ("Encourage creativity", "Do you encourage creativity?"),
            ("Encourage ideas", "Do you encourage creativity?"),
            True,
        ),
    ],
)
def test_wording_differs_on_words_not_on_spacing(old, new, differs):
    class Worded:
        def __init__(self, summary, text):
            self.summary, self.text = summary, text

    assert wording_differs(Worded(*old), Worded(*new)) is differs
