"""
Checklist versions: how the checklist changes without changing what anyone answered.

The rules (PRODUCT.md section 4):

* An assessment is pinned to the version it was started on, and new assessments start on the one
  published version.
* A version that has answers is never edited in place. Admins copy it as a new draft, edit the
  draft and publish it. A retired version is not edited either.
* A copy keeps every code (areas, questions, answer options), so answers can be compared across
  versions by question code.
* Publishing a draft retires the version published before it; the database allows only one
  published version at a time.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments import scoring
from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote
from assessments.refusals import Refusal


class VersioningError(Refusal):
    """A change to a checklist version that the rules above do not allow; the message says why."""


def question_reworded(old: Question, new: Question) -> bool:
    """
    Whether a key action (the same code in two versions) is asked in other words in `new`:
    the one rule (`scoring.wording_differs`) behind the comparison of versions, the pre-fill of
    a new assessment and the report's progress. An answer given to the old wording is not
    carried over as if it answered the new one.
    """
    return scoring.wording_differs(old, new)


def _lock_versions() -> None:
    # Copies and publishes run one at a time across app servers: each picks a number or the
    # published version from rows no other transaction is changing.
    list(ChecklistVersion.objects.select_for_update().values_list("pk", flat=True))


@transaction.atomic
def checklist_copy_as_draft(*, checklist: ChecklistVersion) -> ChecklistVersion:
    """
    Copy `checklist` as a new draft version, numbered one above the highest version so far, with
    its texts, areas, questions, quotes and answer scale. Codes and order are kept; `based_on`
    records where the copy came from. The original is not touched.
    """
    _lock_versions()
    highest = ChecklistVersion.objects.aggregate(highest=Max("number"))["highest"] or 0
    copy = ChecklistVersion.objects.create(
        number=highest + 1,
        title=checklist.title,
        status=ChecklistVersion.Status.DRAFT,
        introduction=checklist.introduction,
        innovation_definition=checklist.innovation_definition,
        key_findings=checklist.key_findings,
        based_on=checklist,
    )
    AnswerOption.objects.bulk_create(
        AnswerOption(
            checklist=copy,
            code=option.code,
            label=option.label,
            hint=option.hint,
            points=option.points,
            order=option.order,
        )
        for option in checklist.answer_options.all()
    )
    areas = list(checklist.areas.prefetch_related("questions__quote__area", "quotes"))
    new_areas = {}
    new_quotes = {}  # (area code, order) -> the copy's quote, so the key actions keep theirs
    for area in areas:
        new_area = Area.objects.create(
            checklist=copy,
            code=area.code,
            order=area.order,
            title=area.title,
            introduction=area.introduction,
        )
        new_areas[area.code] = new_area
        for quote in Quote.objects.bulk_create(
            Quote(area=new_area, order=quote.order, text=quote.text) for quote in area.quotes.all()
        ):
            new_quotes[(area.code, quote.order)] = quote
    Question.objects.bulk_create(
        Question(
            area=new_areas[area.code],
            checklist=copy,
            code=question.code,
            order=question.order,
            summary=question.summary,
            text=question.text,
            guidance=question.guidance,
            discussion_prompts=question.discussion_prompts,
            quote=(
                new_quotes[(question.quote.area.code, question.quote.order)]
                if question.quote
                else None
            ),
            is_research_priority=question.is_research_priority,
            research_finding=question.research_finding,
        )
        for area in areas
        for question in area.questions.all()
    )
    return copy


@transaction.atomic
def checklist_publish(*, checklist: ChecklistVersion) -> ChecklistVersion:
    """
    Make the draft `checklist` the version new assessments start on, and retire the version
    published before it. Assessments already started keep their own version.

    Raises `VersioningError`, with a message for the admin, if the version is not a draft or has
    no questions or no answer scale.
    """
    _lock_versions()
    checklist = ChecklistVersion.objects.get(pk=checklist.pk)
    if checklist.status != ChecklistVersion.Status.DRAFT:
        raise VersioningError(
            f"Version {checklist.number} is {checklist.get_status_display().lower()}, not a "
            "draft, so it cannot be published. Copy it as a new draft version first."
        )
    if not Question.objects.filter(area__checklist=checklist).exists():
        raise VersioningError(
            f"Version {checklist.number} has no questions, so it cannot be published."
        )
    if not checklist.answer_options.exists():
        raise VersioningError(
            f"Version {checklist.number} has no answer scale, so it cannot be published."
        )
    # Retire first: the constraint allows one published version at a time.
    ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).update(
        status=ChecklistVersion.Status.RETIRED
    )
    checklist.status = ChecklistVersion.Status.PUBLISHED
    checklist.published_at = timezone.now()
    checklist.save(update_fields=["status", "published_at"])
    return checklist
