"""
Writes that touch an assessment, its answers and its reviews of the last plan, and the reads that
say how far a draft has got (what is still open, and each area's progress for the task list).

Every function here is keyword-only and runs in one transaction. Concurrency is handled with the
assessment's `revision` counter rather than row locks held across requests: a page carries the
revision it was rendered at, and a write only goes ahead if the stored revision is still the same
(a conditional `UPDATE … WHERE revision = …`). That works the same way on SQLite and PostgreSQL,
and a second browser tab holding an older page can never silently overwrite newer answers.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments import exports, overview_counts, scoring, scoring_inputs
from assessments.models import (
    ActionStep,
    Answer,
    AnswerOption,
    Area,
    Assessment,
    ChecklistVersion,
    CouncillorGroup,
    Question,
    StepReview,
    User,
)
from assessments.refusals import Refusal


class StaleAssessment(Refusal):
    """The assessment changed (or was submitted) after the page was rendered; nothing was saved."""

    default_message = gettext_lazy(
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
            return _("Confirm your answer to “%(question)s”") % {"question": self.question.text}
        return _("Answer “%(question)s”") % {"question": self.question.text}


class AssessmentIncomplete(Refusal):
    """
    Submission refused: some questions have no answer or an unconfirmed pre-filled one, or
    some steps of the last plan have not been reviewed.

    `open_questions` and `open_reviews` name them; `messages` says what to do about each
    question, in the same order.
    """

    def __init__(
        self, open_questions: list[OpenQuestion], open_reviews: list[StepReview] | None = None
    ):
        self.open_questions = open_questions
        self.open_reviews = open_reviews or []
        count = len(open_questions)
        if count:
            message = ngettext(
                "Answer or confirm %(count)d more question before you submit your assessment.",
                "Answer or confirm %(count)d more questions before you submit your assessment.",
                count,
            ) % {"count": count}
        else:
            reviews = len(self.open_reviews)
            message = ngettext(
                "Say how %(count)d more step of your last plan went before you submit your "
                "assessment.",
                "Say how %(count)d more steps of your last plan went before you submit your "
                "assessment.",
                reviews,
            ) % {"count": reviews}
        super().__init__(message)

    @property
    def messages(self) -> list[str]:
        return [item.message for item in self.open_questions]


class GroupNotCollecting(Refusal):
    """An assessment was started for a group that is not collecting answers (or not the
    person's): nothing was linked."""


@transaction.atomic
def assessment_start(
    *, owner: User, from_previous: bool, group: CouncillorGroup | None = None
) -> Assessment:
    """
    Start a draft assessment on the published checklist, or return the draft in progress.

    Rules:
    - A person has at most one draft (a database constraint). If one exists it is returned as
      it is, whatever `from_previous` says, so "Start" twice never loses answers.
    - With `group`, the draft is for that group: it is linked to it (`Assessment.group`) when
      it is made, or, if the draft in progress is for no group yet, then. So the assessment
      submitted from it is the group's without a separate step. A draft already for another
      group stays with it: an assessment is for one group at a time (`groups`'s rules). The
      group must be collecting answers and the owner one of its members, else
      `GroupNotCollecting` and nothing changes.
    - With `from_previous`, the answers and notes of the person's most recently submitted
      assessment are copied in, matched by question code (and the answer by its code on the
      new version's scale), so they survive a new checklist version. Copied answers are marked
      unconfirmed: each must be saved again before the assessment can be submitted.
      Questions that are new in this version start unanswered, and so do questions reworded
      since (`scoring.wording_differs`): their note is copied, their answer is not, so the
      person answers the new words afresh rather than confirming an answer to the old ones.
    - Whichever way it starts, each next step of the person's most recently submitted
      assessment gets a review row with no outcome (`StepReview`), made with the assessment, so
      the person says how the last plan went before submitting. A returned draft gets none
      again.
    """
    if group is not None:
        _refuse_unless_collecting(owner=owner, group=group)
    draft = Assessment.objects.filter(owner=owner, status=Assessment.Status.DRAFT).first()
    if draft is not None:
        return _for_group(draft, group)

    checklist = ChecklistVersion.objects.published()
    last = (
        Assessment.objects.filter(owner=owner, status=Assessment.Status.SUBMITTED)
        .order_by("-submitted_at")
        .first()
    )
    previous = last if from_previous else None
    try:
        # A savepoint, so a lost race with a second "Start" request can fall back cleanly.
        with transaction.atomic():
            assessment = Assessment.objects.create(
                owner=owner, checklist=checklist, previous=previous, group=group
            )
    except IntegrityError:
        draft = Assessment.objects.get(owner=owner, status=Assessment.Status.DRAFT)
        return _for_group(draft, group)

    if previous is not None:
        _prefill(assessment=assessment, previous=previous)
    if last is not None:
        StepReview.objects.bulk_create(
            StepReview(assessment=assessment, step=step)
            for step in ActionStep.objects.filter(answer__assessment=last).only("pk")
        )
    return assessment


def _refuse_unless_collecting(*, owner: User, group: CouncillorGroup) -> None:
    # Read from the database, not the page's copy: the group may have moved on since it loaded.
    collecting = CouncillorGroup.objects.filter(
        pk=group.pk, status=CouncillorGroup.Status.OPEN, memberships__user=owner
    ).exists()
    if not collecting:
        raise GroupNotCollecting(
            _(
                "%(group)s is no longer collecting answers, so your assessment was not started for it"
            )
            % {"group": group.name}
        )


def _for_group(draft: Assessment, group: CouncillorGroup | None) -> Assessment:
    """The draft, linked to `group` if it is for no group yet (conditionally: of two requests
    at once, the first one's group is kept)."""
    if group is None or draft.group_id is not None:
        return draft
    Assessment.objects.filter(pk=draft.pk, group__isnull=True).update(group=group)
    draft.refresh_from_db(fields=["group"])
    return draft


def _prefill(*, assessment: Assessment, previous: Assessment) -> None:
    questions = {q.code: q for q in Question.objects.filter(area__checklist=assessment.checklist)}
    options = {o.code: o for o in AnswerOption.objects.filter(checklist=assessment.checklist)}
    copies = []
    for old in previous.answers.select_related("question", "option"):
        question = questions.get(old.question.code)
        if question is None:
            continue
        option = options.get(old.option.code) if old.option else None
        if option is not None and scoring.wording_differs(old.question, question):
            # An answer to other words is not an answer to these: the person answers again
            # (`reworded_since_last` says what changed); their note is kept.
            option = None
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


@dataclass(frozen=True)
class RewordedQuestion:
    """A key action asked in other words than when the person last answered it."""

    earlier_text: str  # the question as it was asked then
    earlier_answer: str  # the answer given then ("" if none)


def reworded_since_last(
    *, assessment: Assessment, questions: Iterable[Question]
) -> dict[int, RewordedQuestion]:
    """
    Which of `questions` (of the assessment's own version) were reworded since the person
    answered them in the assessment this one was started from ({question id: what it was}),
    matched by code. Empty, without a query, for an assessment started blank. One query.
    """
    if assessment.previous_id is None:
        return {}
    by_code = {question.code: question for question in questions}
    earlier = Answer.objects.filter(
        assessment_id=assessment.previous_id, question__code__in=by_code
    ).select_related("question", "option")
    return {
        by_code[old.question.code].pk: RewordedQuestion(
            earlier_text=old.question.text,
            earlier_answer=old.option.label if old.option else "",
        )
        for old in earlier
        if scoring.wording_differs(old.question, by_code[old.question.code])
    }


def _claim_revision(*, assessment: Assessment, revision: int) -> datetime.datetime:
    """
    Move a draft on from `revision` to the next one, or raise `StaleAssessment` if it is no
    longer at `revision` (or no longer a draft). Returns the time of the change.

    The conditional update is also the lock: on PostgreSQL a concurrent save of the same
    assessment waits here, then finds the revision moved on and updates nothing.
    """
    now = timezone.now()
    updated = Assessment.objects.filter(
        pk=assessment.pk, revision=revision, status=Assessment.Status.DRAFT
    ).update(revision=F("revision") + 1, updated_at=now)
    if not updated:
        raise StaleAssessment
    return now


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

    now = _claim_revision(assessment=assessment, revision=revision)

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


def assessment_open_reviews(*, assessment: Assessment) -> list[StepReview]:
    """The reviews of the last plan, in leaflet order, that have no outcome yet."""
    return list(
        StepReview.objects.filter(assessment=assessment, outcome="").select_related(
            "step__answer__question"
        )
    )


@transaction.atomic
def assessment_review_steps(
    *,
    assessment: Assessment,
    outcomes: dict[StepReview, str],
    revision: int,
) -> Assessment:
    """
    Record how the steps of the last plan went, as posted from the "Review your last plan" page.

    Rules:
    - Only a draft is changed, and only if its revision is still `revision`; otherwise
      `StaleAssessment` is raised and nothing is written (as for an area's answers).
    - Every review given is written, with an outcome or blank: saving with some left open is
      allowed, and an outcome can be cleared.
    - The revision goes up by one; the returned assessment carries the new value.
    """
    for review, outcome in outcomes.items():
        if review.assessment_id != assessment.pk:
            raise ValueError(f"Review {review.pk} is not of this assessment.")
        if outcome and outcome not in StepReview.Outcome.values:
            raise ValueError(f"{outcome!r} is not an outcome of a step.")

    now = _claim_revision(assessment=assessment, revision=revision)

    for review, outcome in outcomes.items():
        review.outcome = outcome
        review.updated_at = now
    StepReview.objects.bulk_update(list(outcomes), ["outcome", "updated_at"])
    assessment.revision = revision + 1
    assessment.updated_at = now
    return assessment


class TaskStatus(models.TextChoices):
    """Where a task of the task list stands (the GOV.UK task list's statuses)."""

    NOT_STARTED = "not-started", gettext_lazy("Not started")
    IN_PROGRESS = "in-progress", gettext_lazy("In progress")
    COMPLETED = "completed", gettext_lazy("Completed")
    CANNOT_START = "cannot-start", gettext_lazy("Cannot start yet")


def _task_status(*, done: int, touched: int, total: int) -> TaskStatus:
    if total and done == total:
        return TaskStatus.COMPLETED
    if touched:
        return TaskStatus.IN_PROGRESS
    return TaskStatus.NOT_STARTED


@dataclass(frozen=True)
class AreaProgress:
    """One area of a draft: how many of its key actions are answered (and confirmed)."""

    area: Area
    answered: int
    total: int
    status: TaskStatus
    prefilled: int = 0  # answers carried over from the last assessment, still to be confirmed


@dataclass(frozen=True)
class Progress:
    """How far a draft has got: each area, and the reviews of the last plan."""

    areas: list[AreaProgress]
    reviews_done: int
    reviews_total: int

    @property
    def answered(self) -> int:
        return sum(item.answered for item in self.areas)

    @property
    def total(self) -> int:
        return sum(item.total for item in self.areas)

    @property
    def areas_completed(self) -> int:
        return sum(item.status == TaskStatus.COMPLETED for item in self.areas)

    @property
    def reviews_status(self) -> TaskStatus:
        return _task_status(
            done=self.reviews_done, touched=self.reviews_done, total=self.reviews_total
        )

    @property
    def is_ready_to_check(self) -> bool:
        """Every area completed and every step of the last plan reviewed."""
        return self.areas_completed == len(self.areas) and (self.reviews_done == self.reviews_total)


def assessment_progress(*, assessment: Assessment) -> Progress:
    """
    How far a draft has got, in two queries whatever the number of areas and questions.

    Rules:
    - A key action counts as answered when its answer has an option and was saved (confirmed)
      in this assessment: an answer pre-filled from last time counts once it is confirmed.
    - An area is Completed when all its key actions are answered; In progress when anything in
      it was saved (even saved empty with "Save and come back later"); otherwise Not started.
    - The last plan's review is Completed when every step has an outcome, In progress when
      some have, otherwise Not started.
    """

    def answers_in_area(confirmed: bool = True, **filters) -> Coalesce:
        counted = (
            Answer.objects.filter(
                assessment=assessment, question__area=OuterRef("pk"), confirmed=confirmed, **filters
            )
            .order_by()
            .values("question__area")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    areas = (
        Area.objects.filter(checklist_id=assessment.checklist_id)
        .annotate(
            question_count=Count("questions"),
            answered_count=answers_in_area(option__isnull=False),
            saved_count=answers_in_area(),
            prefilled_count=answers_in_area(confirmed=False, option__isnull=False),
        )
        .order_by("order")
    )
    reviews = StepReview.objects.filter(assessment=assessment).aggregate(
        total=Count("pk"), done=Count("pk", filter=~Q(outcome=""))
    )
    return Progress(
        areas=[
            AreaProgress(
                area=area,
                answered=area.answered_count,
                total=area.question_count,
                status=_task_status(
                    done=area.answered_count, touched=area.saved_count, total=area.question_count
                ),
                prefilled=area.prefilled_count,
            )
            for area in areas
        ],
        reviews_done=reviews["done"],
        reviews_total=reviews["total"],
    )


@transaction.atomic
def assessment_submit(*, assessment: Assessment, revision: int) -> Assessment:
    """
    Submit a draft assessment, once.

    Rules:
    - Every question of the checklist needs an answer (an option, "Not sure" included), and
      every answer pre-filled from last time must have been confirmed; every step of the last
      plan needs an outcome. Otherwise `AssessmentIncomplete` lists the open questions and
      reviews, and nothing changes.
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
    open_reviews = assessment_open_reviews(assessment=assessment)
    if open_questions or open_reviews:
        raise AssessmentIncomplete(open_questions, open_reviews)
    overview_counts.overview_counts_add(assessment=assessment)

    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = now
    assessment.revision = revision + 1
    assessment.updated_at = now
    # The report now exists: its PDF is rendered by a task, so "Download PDF" is a cache hit.
    exports.report_pdf_warm_on_commit(assessment.pk)
    return assessment


# --- Answering for a group -----------------------------------------------------------------


class GroupOffer(models.TextChoices):
    """What the dashboard offers a member for one of their groups that is collecting answers."""

    START = "start"  # no draft: start one for the group
    CONTINUE = "continue"  # the draft in progress is for this group
    CONTINUE_FOR_IT = "continue-for-it"  # the draft is for no group yet: continuing records it
    AFTER_OTHER = "after-other"  # the draft is for another group: submit that one first


@dataclass(frozen=True)
class MemberGroup:
    """One of a councillor's groups, as their dashboard shows it."""

    group: CouncillorGroup
    has_submitted: bool  # an assessment of theirs, submitted, is linked to the group
    offer: GroupOffer | None  # None: nothing to start (submitted for it, or not collecting)


def member_groups(*, user: User, draft: Assessment | None) -> list[MemberGroup]:
    """
    The councillor's groups, those with the nearest answers deadline first, in one query.

    A group collecting answers that the member has not yet submitted an assessment for is
    offered (`GroupOffer`): their one draft serves one group at a time, the one it was started
    for, because an assessment counts for one group (see `groups`). A member of two groups
    submits for the first, then starts the second from those answers.
    """
    submitted_for_it = Assessment.objects.filter(
        owner=user, group=OuterRef("pk"), status=Assessment.Status.SUBMITTED
    )
    rows = (
        CouncillorGroup.objects.filter(memberships__user=user)
        .annotate(has_submitted=Exists(submitted_for_it))
        .order_by(F("answers_due").asc(nulls_last=True), "name")
    )
    return [
        MemberGroup(group=group, has_submitted=group.has_submitted, offer=_offer(group, draft))
        for group in rows
    ]


def _offer(group, draft: Assessment | None) -> GroupOffer | None:
    if group.status != CouncillorGroup.Status.OPEN or group.has_submitted:
        return None
    if draft is None:
        return GroupOffer.START
    if draft.group_id == group.pk:
        return GroupOffer.CONTINUE
    if draft.group_id is None:
        return GroupOffer.CONTINUE_FOR_IT
    return GroupOffer.AFTER_OTHER


def overall_percentages(assessments: list[Assessment]) -> dict[int, int | None]:
    """
    Each assessment's overall score as its report gives it (`scoring.score`), in two queries
    whatever their number: their answers, and their checklists' answer scales. For telling a
    person's assessments apart; None where nothing was scored.
    """
    by_assessment: dict[int, list[Answer]] = {a.pk: [] for a in assessments}
    for answer in Answer.objects.filter(
        assessment__in=assessments, option__isnull=False
    ).select_related("question__area", "option"):
        by_assessment[answer.assessment_id].append(answer)
    scales: dict[int, list[AnswerOption]] = {}
    for option in AnswerOption.objects.filter(
        checklist_id__in={a.checklist_id for a in assessments}
    ):
        scales.setdefault(option.checklist_id, []).append(option)
    result = {}
    for assessment in assessments:
        scale = scoring_inputs.answer_scale(scales.get(assessment.checklist_id, []))
        most = scoring.full_marks(scale)
        answers = [
            scoring_inputs.scoring_answer(a, max_points=most) for a in by_assessment[assessment.pk]
        ]
        result[assessment.pk] = scoring.score(answers, scale=scale).overall.percentage
    return result
