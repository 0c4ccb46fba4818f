"""
The councillor's action plan: the next step they record on a gap.

One answer has at most one next step (the database's one-to-one on `ActionStep.answer`). Saving
the step of an answer creates it the first time and replaces what it says after that.

A next step is protected from stale edits the way an area page is (`assessments.answering`): the
page carries the version of the step it showed (`ActionStep.updated_at`, or none for a step not
yet written) and a save only goes ahead if the stored step is still that version. So a second tab
holding an older copy can never silently overwrite what the first tab saved.

Up to `ActionStep.FOCUS_LIMIT` steps of an assessment are its focus actions. Every write that can
make a step a focus action first locks the assessment's row (`_lock_plan`), then counts: two
saves at once (two tabs, a double click) queue on that lock, so the second counts what the first
wrote and is refused rather than making one too many. (On SQLite, where `select_for_update` does
nothing, the IMMEDIATE transactions of settings.py queue writers at BEGIN in the same way.)
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from assessments import exports, reports
from assessments.models import ActionStep, Answer, Assessment, StepReview
from assessments.refusals import Refusal


class StaleActionStep(Refusal):
    """The next step changed (or was added) after the page was rendered; nothing was saved."""

    default_message = gettext_lazy(
        "This next step was changed in another tab or window, so your last changes were not "
        "saved. The next step below is the one saved now: check it and save again."
    )


class FocusLimitReached(Refusal):
    """The plan already has `ActionStep.FOCUS_LIMIT` focus actions; nothing was saved."""

    def __init__(self, message: str | None = None):
        limit = ActionStep.FOCUS_LIMIT
        super().__init__(
            message
            or ngettext(
                "You already have %(limit)d focus action, the most an action plan can have. "
                "Remove one from your focus actions first, or save this step without making it "
                "a focus action.",
                "You already have %(limit)d focus actions, the most an action plan can have. "
                "Remove one from your focus actions first, or save this step without making it "
                "a focus action.",
                limit,
            )
            % {"limit": limit}
        )


class CannotCarryOver(Refusal):
    """The step of the last plan cannot be carried into this one (see `reports.LastPlanStep`)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or gettext(
                "This step cannot be carried into your plan: its key action is no longer a gap "
                "without a next step."
            )
        )


def _lock_plan(assessment_id: int) -> None:
    """Lock the assessment's row until the transaction ends: one plan change at a time."""
    list(Assessment.objects.select_for_update().filter(pk=assessment_id).values_list("pk"))


def _focus_count(assessment_id: int, *, excluding_answer: int | None = None) -> int:
    steps = ActionStep.objects.filter(answer__assessment_id=assessment_id, is_focus=True)
    if excluding_answer is not None:
        steps = steps.exclude(answer_id=excluding_answer)
    return steps.count()


@transaction.atomic
def action_step_save(
    *,
    answer: Answer,
    seen: datetime.datetime | None,
    what: str,
    lead: str = "",
    due_date: datetime.date | None = None,
    reported_to: str = "",
    is_focus: bool = False,
) -> ActionStep:
    """
    Record the next step on `answer`'s gap: what, who leads it, by when, and where progress is
    reported; with `is_focus`, as one of the focus actions.

    - `seen` is the version of the step the person was shown: its `updated_at`, or None when
      there was no step yet.
    - With `seen` None the step is created; if one exists by then (another tab or a double
      click saved it first) `StaleActionStep` is raised and the step already saved is kept.
    - Otherwise the step is updated only if it is still at version `seen`; if it changed since
      (or is gone) `StaleActionStep` is raised and nothing is written.
    - With `is_focus`, if the plan's other steps already hold `ActionStep.FOCUS_LIMIT` focus
      actions, `FocusLimitReached` is raised and nothing is written (counted under the lock).

    The first save wins and the second is told, as on an area page: the second tab's words were
    typed over a copy that is no longer what is saved, so they are not quietly put in its place.
    Both checks are single statements the database decides (the one-to-one's unique index, and
    `UPDATE … WHERE updated_at = seen`), so they hold on SQLite and PostgreSQL alike, and a
    second writer waiting on the first sees the first's commit.
    """
    fields = {
        "what": what,
        "lead": lead,
        "due_date": due_date,
        "reported_to": reported_to,
        "is_focus": is_focus,
    }
    _lock_plan(answer.assessment_id)
    if is_focus and _focus_count(answer.assessment_id, excluding_answer=answer.pk) >= (
        ActionStep.FOCUS_LIMIT
    ):
        raise FocusLimitReached
    # The report shows its next steps: once this is saved, a task renders its PDF again.
    exports.report_pdf_warm_on_commit(answer.assessment_id)
    if seen is None:
        try:
            # A savepoint: a refused insert must not spoil the transaction around it.
            with transaction.atomic():
                return ActionStep.objects.create(answer=answer, **fields)
        except IntegrityError:
            if ActionStep.objects.filter(answer=answer).exists():
                raise StaleActionStep from None
            raise
    # `update()` skips `auto_now`: the new version is set here.
    updated = ActionStep.objects.filter(answer=answer, updated_at=seen).update(
        **fields, updated_at=timezone.now()
    )
    if not updated:
        raise StaleActionStep
    return ActionStep.objects.get(answer=answer)


@transaction.atomic
def action_step_unfocus(*, step: ActionStep) -> None:
    """Take a step off the focus actions; it stays in the plan, in the list of gaps."""
    exports.report_pdf_warm_on_commit(step.answer.assessment_id)
    # A new version (`update()` skips `auto_now`): a tab holding the older one is told, and the
    # PDF's cache key changes.
    ActionStep.objects.filter(pk=step.pk).update(is_focus=False, updated_at=timezone.now())


@transaction.atomic
def action_step_delete(*, step: ActionStep) -> None:
    """Delete a next step; its gap is back to having none. Deleting it twice is not an error."""
    exports.report_pdf_warm_on_commit(step.answer.assessment_id)
    ActionStep.objects.filter(pk=step.pk).delete()


@transaction.atomic
def action_step_carry_over(*, review: StepReview) -> ActionStep:
    """
    Carry an unfinished step of the last plan into this assessment's plan: a new next step on
    the same key action, saying what the old one said (what, who leads, where it is reported),
    `carried_from` the old step, and a focus action if the plan has room.

    The due date is not copied: the old one belonged to the last plan and has usually passed,
    so the person sets a new one.

    Idempotent: carrying a step already carried returns the step it made (a double click makes
    one step, never an error). `CannotCarryOver` when the step is not unfinished, its key
    action is no longer a gap here, or the gap has a next step of its own.
    """
    assessment_id = review.assessment_id
    _lock_plan(assessment_id)
    old = review.step
    answer = (
        Answer.objects.select_related("option", "action_step")
        .filter(assessment_id=assessment_id, question__code=old.answer.question.code)
        .first()
    )
    if answer is None or not review.is_unfinished or not reports.answer_is_gap(answer):
        raise CannotCarryOver
    existing = ActionStep.objects.filter(answer=answer).first()
    if existing is not None:
        if existing.carried_from_id == old.pk:
            return existing
        raise CannotCarryOver
    exports.report_pdf_warm_on_commit(assessment_id)
    return ActionStep.objects.create(
        answer=answer,
        carried_from=old,
        what=old.what,
        lead=old.lead,
        reported_to=old.reported_to,
        is_focus=_focus_count(assessment_id) < ActionStep.FOCUS_LIMIT,
    )
