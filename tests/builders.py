"""
Plain builders the tests share: people, answers, submitted assessments, notes, next steps and new
checklist versions. Fixtures in `tests/conftest.py` are made with them; tests call them directly
when they need more than the cast.
"""

import datetime

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import (
    ActionStep,
    Answer,
    AnswerOption,
    Assessment,
    ChecklistVersion,
    CouncillorGroup,
    Question,
    User,
)
from assessments.overview_counts import overview_counts_add
from assessments.versioning import checklist_copy_as_draft

PASSWORD = "correct horse battery staple"


def make_user(*, email, full_name, council=None, role=User.Role.COUNCILLOR, **extra) -> User:
    """A person who has used the service in English already (`language`), unless told: their
    first page would record it once (assessments.middleware.language_remembered), and the
    pinned query counts are for the pages after."""
    extra.setdefault("language", "en-gb")
    return User.objects.create_user(
        email=email, password=PASSWORD, full_name=full_name, council=council, role=role, **extra
    )


def with_authenticator(user: User) -> User:
    """The person with an authenticator app set up; `client.force_login(user)` is then a
    session that gave a code (tests/conftest.py), as Django admin requires of staff."""
    user.otp_device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return user


def answer_all(assessment: Assessment, option_codes: dict[str, str] | None = None, default="yes"):
    """Answer every question of the assessment's checklist: `option_codes` maps question code
    to answer code; any other question gets `default`."""
    option_codes = option_codes or {}
    options = {o.code: o for o in AnswerOption.objects.filter(checklist=assessment.checklist)}
    questions = Question.objects.filter(area__checklist=assessment.checklist)
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            question=question,
            option=options[option_codes.get(question.code, default)],
        )
        for question in questions
    )


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
    owner: User,
    checklist: ChecklistVersion,
    answers: dict[str, str] | None = None,
    *,
    default: str = "yes",
    submitted_at: datetime.datetime | None = None,
    shared: bool = False,
    group: CouncillorGroup | None = None,
) -> Assessment:
    """A submitted assessment with every question answered (`answers` maps question code to
    answer code, any other question gets `default`); with `shared`, shared with the officers
    when it was submitted; with `group`, linked to that group. It is counted in the national
    overview's counts, as a submission through the service is."""
    submitted_at = submitted_at or timezone.now()
    assessment = Assessment.objects.create(
        owner=owner,
        checklist=checklist,
        status=Assessment.Status.SUBMITTED,
        submitted_at=submitted_at,
        shared_at=submitted_at if shared else None,
        group=group,
    )
    answer_all(assessment, answers, default=default)
    overview_counts_add(assessment=assessment)
    return assessment


def add_note(assessment: Assessment, question_code: str, note: str) -> None:
    Answer.objects.filter(assessment=assessment, question__code=question_code).update(note=note)


def add_step(assessment: Assessment, question_code: str, **fields) -> ActionStep:
    answer = Answer.objects.get(assessment=assessment, question__code=question_code)
    return ActionStep.objects.create(answer=answer, **fields)


def new_checklist_version(
    checklist: ChecklistVersion,
    *,
    drop: tuple[str, ...] = (),
    reword: dict[str, str] | None = None,
    add: tuple[str, ...] = (),
) -> ChecklistVersion:
    """A draft copy of `checklist`, made as admins make one, then edited: questions in `drop`
    removed, `reword` mapping question code to new wording, and `add` new question codes at the
    end of the last area."""
    copy = checklist_copy_as_draft(checklist=checklist)
    Question.objects.filter(area__checklist=copy, code__in=drop).delete()
    for code, text in (reword or {}).items():
        Question.objects.filter(area__checklist=copy, code=code).update(text=text)
    last_area = copy.areas.order_by("-order").first()
    for n, code in enumerate(add):
        Question.objects.create(
            area=last_area,
            code=code,
            order=50 + n,
            summary=f"Brand new {code}",
            text=f"Do you {code}?",
        )
    return copy
