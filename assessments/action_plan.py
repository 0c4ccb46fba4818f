"""
The councillor's action plan: the next step they record on a gap.

One answer has at most one next step (the database's one-to-one on `ActionStep.answer`). Saving
the step of an answer creates it the first time and replaces what it says after that.

A next step is protected from stale edits the way an area page is (`assessments.answering`): the
page carries the version of the step it showed (`ActionStep.updated_at`, or none for a step not
yet written) and a save only goes ahead if the stored step is still that version. So a second tab
holding an older copy can never silently overwrite what the first tab saved.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import exports
from assessments.models import ActionStep, Answer
from assessments.refusals import Refusal


class StaleActionStep(Refusal):
    """The next step changed (or was added) after the page was rendered; nothing was saved."""

    default_message = (
        "This next step was changed in another tab or window, so your last changes were not "
        "saved. The next step below is the one saved now: check it and save again."
    )


@transaction.atomic
def action_step_save(
    *,
    answer: Answer,
    seen: datetime.datetime | None,
    what: str,
    lead: str = "",
    due_date: datetime.date | None = None,
    reported_to: str = "",
) -> ActionStep:
    """
    Record the next step on `answer`'s gap: what, who leads it, by when, and where progress is
    reported.

    - `seen` is the version of the step the person was shown: its `updated_at`, or None when
      there was no step yet.
    - With `seen` None the step is created; if one exists by then (another tab or a double
      click saved it first) `StaleActionStep` is raised and the step already saved is kept.
    - Otherwise the step is updated only if it is still at version `seen`; if it changed since
      (or is gone) `StaleActionStep` is raised and nothing is written.

    The first save wins and the second is told, as on an area page: the second tab's words were
    typed over a copy that is no longer what is saved, so they are not quietly put in its place.
    Both checks are single statements the database decides (the one-to-one's unique index, and
    `UPDATE … WHERE updated_at = seen`), so they hold on SQLite and PostgreSQL alike, and a
    second writer waiting on the first sees the first's commit.
    """
    fields = {"what": what, "lead": lead, "due_date": due_date, "reported_to": reported_to}
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
