"""
The councillor's action plan: the next step they record on a gap.

One answer has at most one next step (the database's one-to-one on `ActionStep.answer`). Saving
the step of an answer creates it the first time and replaces what it says after that.
"""

import datetime

from assessments.models import ActionStep, Answer


def action_step_save(
    *,
    answer: Answer,
    what: str,
    lead: str = "",
    due_date: datetime.date | None = None,
    reported_to: str = "",
) -> ActionStep:
    """
    Record the next step on `answer`'s gap: what, who leads it, by when, and where progress is
    reported. Creates the step, or updates the one already there.

    Two saves of the same new step at once (a double click, two tabs) give one row holding the
    later save, just as if the two had come a minute apart: the councillor is the step's only
    author, so the later words are theirs as well, and a refusal would only make them type it
    again. `update_or_create` gives that: when its insert meets the one-to-one constraint (the
    other save got there first), it rolls back to its savepoint, reads that row (locking it) and
    updates it.
    """
    step, _ = ActionStep.objects.update_or_create(
        answer=answer,
        defaults={"what": what, "lead": lead, "due_date": due_date, "reported_to": reported_to},
    )
    return step
