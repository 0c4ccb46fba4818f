"""
Writes that touch an assessment and its answers.

Every function here is keyword-only and runs in one transaction. Concurrency is handled with the
assessment's `revision` counter rather than row locks held across requests: a page carries the
revision it was rendered at, and a write only goes ahead if the stored revision is still the same
(a conditional `UPDATE … WHERE revision = …`). That works the same way on SQLite and PostgreSQL,
and a second browser tab holding an older page can never silently overwrite newer answers.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assessments import exports, overview_counts
from assessments.models import (
    Answer,
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    Question,
    User,
)
from assessments.refusals import Refusal


class StaleAssessment(Refusal):
    """The assessment changed (or was submitted) after the page was rendered; nothing was saved."""

    default_message = (
        "These answers were changed in another tab or window, so your last changes were not "
        "saved. The answers below are the ones saved now: check them and save again."
    )


@dataclass(frozen=True)
class OpenQuestion:
    """A question that stops an assessment being submitted."""

    question: Question
    unconfirmed: bool  # True: answered last time but not yet confirmed this time

    @property
    def message(self) -> str:
        if self.unconfirmed:
            return f"Confirm your answer to “{self.question.text}”"
        return f"Answer “{self.question.text}”"


class AssessmentIncomplete(Refusal):
    """
    Submission refused: some questions have no answer or an unconfirmed pre-filled one.

    `open_questions` names them; `messages` says what to do about each, in the same order.
    """

    def __init__(self, open_questions: list[OpenQuestion]):
        self.open_questions = open_questions
        count = len(open_questions)
        super().__init__(
            f"Answer or confirm {count} more question{'' if count == 1 else 's'} "
            "before you submit your assessment."
        )

    @property
    def messages(self) -> list[str]:
        return [item.message for item in self.open_questions]


@transaction.atomic
def assessment_start(*, owner: User, from_previous: bool) -> Assessment:
    """
    Start a draft assessment on the published checklist, or return the draft in progress.

    Rules:
    - A person has at most one draft (a database constraint). If one exists it is returned as
      it is, whatever `from_previous` says, so "Start" twice never loses answers.
    - With `from_previous`, the answers and notes of the person's most recently submitted
      assessment are copied in, matched by question code (and the answer by its code on the
      new version's scale), so they survive a new checklist version. Copied answers are marked
      unconfirmed: each must be saved again before the assessment can be submitted.
      Questions that are new in this version start unanswered.
    """
    draft = Assessment.objects.filter(owner=owner, status=Assessment.Status.DRAFT).first()
    if draft is not None:
        return draft

    checklist = ChecklistVersion.objects.published()
    previous = None
    if from_previous:
        previous = (
            Assessment.objects.filter(owner=owner, status=Assessment.Status.SUBMITTED)
            .order_by("-submitted_at")
            .first()
        )
    try:
        # A savepoint, so a lost race with a second "Start" request can fall back cleanly.
        with transaction.atomic():
            assessment = Assessment.objects.create(
                owner=owner, checklist=checklist, previous=previous
            )
    except IntegrityError:
        return Assessment.objects.get(owner=owner, status=Assessment.Status.DRAFT)

    if previous is not None:
        _prefill(assessment=assessment, previous=previous)
    return assessment


def _prefill(*, assessment: Assessment, previous: Assessment) -> None:
    questions = {q.code: q for q in Question.objects.filter(area__checklist=assessment.checklist)}
    options = {o.code: o for o in AnswerOption.objects.filter(checklist=assessment.checklist)}
    copies = []
    for old in previous.answers.select_related("question", "option"):
        question = questions.get(old.question.code)
        if question is None:
            continue
        option = options.get(old.option.code) if old.option else None
        if option is None and not old.note:
            continue
        copies.append(
            Answer(
                assessment=assessment,
                question=question,
                option=option,
                note=old.note,
                confirmed=False,
            )
        )
    Answer.objects.bulk_create(copies)


@transaction.atomic
def assessment_save_area(
    *,
    assessment: Assessment,
    area: Area,
    answers: dict[Question, tuple[AnswerOption | None, str]],
    revision: int,
) -> Assessment:
    """
    Save the answers to one area's questions, as posted from that area's page.

    Rules:
    - Only a draft is changed, and only if its revision is still `revision` (the one the page
      was rendered with). Otherwise `StaleAssessment` is raised and nothing is written.
    - Every question of the area given in `answers` is written, answered or not: saving a page
      with questions left open is allowed, and an answer can be cleared.
    - Saving confirms the answers on the page, including ones pre-filled from last time.
    - The revision goes up by one; the returned assessment carries the new value.

    The caller (the area form) guarantees that questions belong to `area` and options to the
    assessment's checklist; this is checked again here because a wrong pairing would corrupt
    the report.
    """
    if area.checklist_id != assessment.checklist_id:
        raise ValueError("The area is not on this assessment's checklist.")
    for question, (option, _note) in answers.items():
        if question.area_id != area.pk:
            raise ValueError(f"Question {question.code} is not in area {area.code}.")
        if option is not None and option.checklist_id != assessment.checklist_id:
            raise ValueError(f"Answer option {option.code} is not on this checklist's scale.")

    now = timezone.now()
    # The conditional update is also the lock: on PostgreSQL a concurrent save of the same
    # assessment waits here, then finds the revision moved on and updates nothing.
    updated = Assessment.objects.filter(
        pk=assessment.pk, revision=revision, status=Assessment.Status.DRAFT
    ).update(revision=F("revision") + 1, updated_at=now)
    if not updated:
        raise StaleAssessment

    Answer.objects.bulk_create(
        [
            Answer(
                assessment=assessment,
                question=question,
                option=option,
                note=note,
                confirmed=True,
                updated_at=now,
            )
            for question, (option, note) in answers.items()
        ],
        update_conflicts=True,
        unique_fields=["assessment", "question"],
        update_fields=["option", "note", "confirmed", "updated_at"],
    )
    assessment.revision = revision + 1
    assessment.updated_at = now
    return assessment


def assessment_open_questions(*, assessment: Assessment) -> list[OpenQuestion]:
    """The questions, in leaflet order, that have no answer or an unconfirmed pre-filled one."""
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(assessment=assessment).only(
            "question_id", "option_id", "confirmed"
        )
    }
    open_questions = []
    for question in Question.objects.filter(area__checklist_id=assessment.checklist_id).order_by(
        "area__order", "order"
    ):
        answer = answers.get(question.pk)
        if answer is None or answer.option_id is None:
            open_questions.append(OpenQuestion(question=question, unconfirmed=False))
        elif not answer.confirmed:
            open_questions.append(OpenQuestion(question=question, unconfirmed=True))
    return open_questions


@transaction.atomic
def assessment_submit(*, assessment: Assessment, revision: int) -> Assessment:
    """
    Submit a draft assessment, once.

    Rules:
    - Every question of the checklist needs an answer (an option, "Not sure" included), and
      every answer pre-filled from last time must have been confirmed. Otherwise
      `AssessmentIncomplete` lists the open questions and nothing changes.
    - The answers submitted are the ones the person checked: if the revision moved on since the
      "Check your answers" page was rendered, `StaleAssessment` is raised.
    - Submitting is idempotent: if the assessment is already submitted (a double click, or a
      second tab), it is returned unchanged instead of raising.
    - A submitted assessment is read-only from then on.
    - It is counted in the national overview's counts in the same transaction.
    - Once committed, its report's PDF is rendered into the cache by a task.
    """
    # The owner first, as every change to the overview's counts locks them first (see
    # `overview_counts`): a purge of their earlier assessment waits for this, or this for it.
    overview_counts.overview_counts_lock_people(people=User.objects.filter(pk=assessment.owner_id))
    now = timezone.now()
    updated = Assessment.objects.filter(
        pk=assessment.pk, revision=revision, status=Assessment.Status.DRAFT
    ).update(
        status=Assessment.Status.SUBMITTED,
        submitted_at=now,
        revision=F("revision") + 1,
        updated_at=now,
    )
    if not updated:
        current = Assessment.objects.get(pk=assessment.pk)
        if current.is_submitted:
            return current
        raise StaleAssessment

    # Checked after the update, inside the transaction, so no save can slip in between the
    # check and the submission; raising rolls the update back.
    open_questions = assessment_open_questions(assessment=assessment)
    if open_questions:
        raise AssessmentIncomplete(open_questions)
    overview_counts.overview_counts_add(assessment=assessment)

    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = now
    assessment.revision = revision + 1
    assessment.updated_at = now
    # The report now exists: its PDF is rendered by a task, so "Download PDF" is a cache hit.
    exports.report_pdf_warm_on_commit(assessment.pk)
    return assessment
