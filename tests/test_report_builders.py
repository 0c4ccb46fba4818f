"""
Builders shared by the report, action-plan and PDF tests (no tests here).

`submit` makes a submitted assessment the way the answering journey leaves one; the other
helpers add notes and next steps to it.
"""

import datetime

from django.utils import timezone

from assessments.models import ActionStep, Answer, Assessment
from tests.conftest import answer_all

# A realistic mix: 10 Yes, 8 gaps (4 of them research priorities) and 2 Not sure.
MIXED_ANSWERS = {
    "encourage-creativity": "yes",
    "invite-external-challenges": "partly",
    "look-for-fresh-ideas": "yes",
    "take-calculated-risks": "not-yet",
    "experiment-and-learn": "not-sure",
    "celebrate-achievements": "yes",
    "united-leadership": "yes",
    "communicate-the-need": "partly",
    "listen-to-others": "yes",
    "work-cross-council": "yes",
    "move-forward-boldly": "not-sure",
    "agree-long-term-objectives": "yes",
    "understand-residents-concerns": "yes",
    "select-priority-areas": "partly",
    "ensure-innovations-attainable": "yes",
    "devote-resources": "not-yet",
    "space-to-test": "partly",
    "involve-stakeholders": "partly",
    "monitor-progress": "not-yet",
    "persist": "yes",
}

# The gaps of MIXED_ANSWERS in rank order: research priorities (Not yet, then Partly, each in
# leaflet order), then the rest (Not yet, then Partly).
MIXED_GAPS_IN_ORDER = [
    "devote-resources",
    "monitor-progress",
    "select-priority-areas",
    "involve-stakeholders",
    "take-calculated-risks",
    "invite-external-challenges",
    "communicate-the-need",
    "space-to-test",
]


def submit(
    owner,
    checklist,
    answers: dict[str, str] | None = None,
    *,
    default: str = "yes",
    submitted_at: datetime.datetime | None = None,
) -> Assessment:
    assessment = Assessment.objects.create(
        owner=owner,
        checklist=checklist,
        status=Assessment.Status.SUBMITTED,
        submitted_at=submitted_at or timezone.now(),
    )
    answer_all(assessment, answers, default=default)
    return assessment


def add_note(assessment: Assessment, question_code: str, note: str) -> None:
    Answer.objects.filter(assessment=assessment, question__code=question_code).update(note=note)


def add_step(assessment: Assessment, question_code: str, **fields) -> ActionStep:
    answer = Answer.objects.get(assessment=assessment, question__code=question_code)
    return ActionStep.objects.create(answer=answer, **fields)
