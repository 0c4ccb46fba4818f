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
  published version at a time. A draft is published only when nothing would make it wrong
  (`checklist_publish_problems`), and only over the published version the admin looked at.
* Every copy and publish leaves history records (django-simple-history), with who and why.
"""

from dataclasses import dataclass
from types import EllipsisType
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote, User
from assessments.refusals import Refusal
from assessments.translation import (
    ENGLISH,
    LANGUAGE_NAMES,
    LANGUAGES,
    TRANSLATED_FIELDS,
    WELSH,
    column,
)
from assessments.version_changes import VersionChanges, compare_versions


class VersioningError(Refusal):
    """A change to a checklist version that the rules above do not allow; the message says why."""


def _lock_versions() -> None:
    # Copies and publishes run one at a time across app servers: each picks a number or the
    # published version from rows no other transaction is changing.
    list(ChecklistVersion.objects.select_for_update().values_list("pk", flat=True))


def _both_languages(obj) -> dict[str, str | None]:
    """`obj`'s translated fields in every language, to copy: {"title_en_gb": …, "title_cy": …}."""
    return {
        column(field, language): getattr(obj, column(field, language))
        for field in TRANSLATED_FIELDS[type(obj)]
        for language in LANGUAGES
    }


def _save_with_history(obj, *, user: User | None, reason: str, **kwargs) -> None:
    # django-simple-history reads who and why from these two attributes as it records the save.
    obj._history_user = user
    obj._change_reason = reason
    obj.save(**kwargs)


@transaction.atomic
def checklist_copy_as_draft(
    *, checklist: ChecklistVersion, copied_by: User | None = None
) -> ChecklistVersion:
    """
    Copy `checklist` as a new draft version, numbered one above the highest version so far, with
    its texts, areas, questions, quotes and answer scale. Codes and order are kept; `based_on`
    records where the copy came from. The original is not touched. Every new row gets a history
    record "Copied from version N", by `copied_by`.
    """
    _lock_versions()
    reason = _("Copied from version %(number)d") % {"number": checklist.number}
    highest = ChecklistVersion.objects.aggregate(highest=Max("number"))["highest"] or 0
    copy = ChecklistVersion(
        number=highest + 1,
        status=ChecklistVersion.Status.DRAFT,
        based_on=checklist,
        **_both_languages(checklist),
    )
    _save_with_history(copy, user=copied_by, reason=reason)
    history = {"default_user": copied_by, "default_change_reason": reason}
    bulk_create_with_history(
        [
            AnswerOption(
                checklist=copy,
                code=option.code,
                points=option.points,
                **_both_languages(option),
                order=option.order,
            )
            for option in checklist.answer_options.all()
        ],
        AnswerOption,
        **history,
    )
    areas = list(checklist.areas.prefetch_related("questions__quote__area", "quotes"))
    new_areas = {
        area.code: area
        for area in bulk_create_with_history(
            [
                Area(
                    checklist=copy,
                    code=area.code,
                    order=area.order,
                    **_both_languages(area),
                )
                for area in areas
            ],
            Area,
            **history,
        )
    }
    # (area code, order) -> the copy's quote, so the key actions keep theirs
    new_quotes = {
        (quote.area.code, quote.order): quote
        for quote in bulk_create_with_history(
            [
                Quote(area=new_areas[area.code], order=quote.order, **_both_languages(quote))
                for area in areas
                for quote in area.quotes.all()
            ],
            Quote,
            **history,
        )
    }
    bulk_create_with_history(
        [
            Question(
                area=new_areas[area.code],
                checklist=copy,
                code=question.code,
                order=question.order,
                quote=(
                    new_quotes[(question.quote.area.code, question.quote.order)]
                    if question.quote
                    else None
                ),
                is_research_priority=question.is_research_priority,
                **_both_languages(question),
            )
            for area in areas
            for question in area.questions.all()
        ],
        Question,
        **history,
    )
    return copy


@dataclass(frozen=True)
class PublishProblem:
    """Something that makes a publish wrong, and where it is fixed: the admin page of
    `fix_model` ("checklistversion", "area", "question") with primary key `fix_pk`."""

    message: str
    fix_model: str
    fix_pk: int

    def __str__(self) -> str:
        return self.message


def checklist_publish_problems(
    *, checklist: ChecklistVersion, changes: VersionChanges | None = None
) -> list[PublishProblem]:
    """
    Everything that would make publishing `checklist` wrong, each a message naming what to fix:
    no areas; an area without key actions; two key actions, or two areas, whose codes differ
    only in capitals (the database refuses exact twins; these are twins to people and to the
    comparison); no answer scale, or none of it scored; a research priority without its
    finding; a field with English but no Welsh (`_welsh_gaps`); and a draft identical to the
    published version. Empty when it can be published.
    `changes` is the draft's comparison with the published version, when the caller has it.
    """
    problems = []
    version = ("checklistversion", checklist.pk)
    areas = list(checklist.areas.order_by("order"))
    questions = list(Question.objects.filter(checklist=checklist).select_related("area"))
    if not areas:
        problems.append(
            PublishProblem(
                _("Version %(number)d has no areas. Add its areas and their key actions.")
                % {"number": checklist.number},
                *version,
            )
        )
    with_questions = {question.area_id for question in questions}
    for area in areas:
        if area.pk not in with_questions:
            problems.append(
                PublishProblem(
                    _("The area “%(area)s” has no key actions. Add one, or delete the area.")
                    % {"area": area.title},
                    "area",
                    area.pk,
                )
            )
    seen_areas: dict[str, Area] = {}
    for area in areas:
        twin = seen_areas.setdefault(area.code.lower(), area)
        if twin is not area:
            problems.append(
                PublishProblem(
                    _(
                        "The areas “%(first)s” and “%(second)s” have the same code "
                        "(“%(code)s” and “%(other)s”). Give each area its own code."
                    )
                    % {
                        "first": twin.title,
                        "second": area.title,
                        "code": twin.code,
                        "other": area.code,
                    },
                    "area",
                    area.pk,
                )
            )
    seen_questions: dict[str, Question] = {}
    for question in sorted(questions, key=lambda q: (q.area.order, q.order, q.pk)):
        twin_question = seen_questions.setdefault(question.code.lower(), question)
        if twin_question is not question:
            problems.append(
                PublishProblem(
                    _(
                        "The key actions “%(first)s” and “%(second)s” have the same code "
                        "(“%(code)s” and “%(other)s”). Give each key action its own code."
                    )
                    % {
                        "first": twin_question.summary,
                        "second": question.summary,
                        "code": twin_question.code,
                        "other": question.code,
                    },
                    "question",
                    question.pk,
                )
            )
        if question.is_research_priority and not question.research_finding.strip():
            problems.append(
                PublishProblem(
                    _(
                        "The key action “%(question)s” is a research priority without its "
                        "research finding. Add the finding, or untick “research priority”."
                    )
                    % {"question": question.summary},
                    "question",
                    question.pk,
                )
            )
    options = list(checklist.answer_options.all())
    quotes = list(Quote.objects.filter(area__checklist=checklist).select_related("area"))
    problems.extend(_welsh_gaps(checklist, areas, questions, quotes, options))
    if not options:
        problems.append(
            PublishProblem(
                _("Version %(number)d has no answer scale. Add its answer options.")
                % {"number": checklist.number},
                *version,
            )
        )
    elif not any(option.is_scored for option in options):
        problems.append(
            PublishProblem(
                _(
                    "None of the answer options of version %(number)d has points, so no answer "
                    "could be scored. Give the options points (leave only “Not sure” empty)."
                )
                % {"number": checklist.number},
                *version,
            )
        )
    if changes is None:
        # The caller's comparison is with the published version: only without it is that read.
        published = ChecklistVersion.objects.filter(
            status=ChecklistVersion.Status.PUBLISHED
        ).first()
        if published is not None and published.pk != checklist.pk:
            changes = compare_versions(old=published, new=checklist)
    if changes is not None and changes.old_number != checklist.number and changes.is_empty:
        problems.append(
            PublishProblem(
                _(
                    "Nothing has changed since version %(number)d, the published version. "
                    "Edit the draft before publishing it."
                )
                % {"number": changes.old_number},
                *version,
            )
        )
    return problems


# How a publish problem names each content field ("the question (Cymraeg) is empty").
FIELD_NAMES = {
    (ChecklistVersion, "title"): _("the title"),
    (ChecklistVersion, "introduction"): _("the introduction"),
    (ChecklistVersion, "innovation_definition"): _("the definition of innovation"),
    (ChecklistVersion, "key_findings"): _("the key findings"),
    (Area, "title"): _("the title"),
    (Area, "introduction"): _("the introduction"),
    (Question, "summary"): _("the key action"),
    (Question, "text"): _("the question"),
    (Question, "guidance"): _("what good looks like"),
    (Question, "discussion_prompts"): _("the facilitator prompts"),
    (Question, "research_finding"): _("the research finding"),
    (Quote, "text"): _("the quote"),
    (AnswerOption, "label"): _("the label"),
    (AnswerOption, "hint"): _("the hint"),
}


def _welsh_gaps(checklist, areas, questions, quotes, options) -> list[PublishProblem]:
    """A problem for every content field that has English but no Welsh: a Welsh page would
    show the English. A field left empty in English (an optional one) may stay empty in Welsh."""
    where: list[tuple[Any, str, str, int]] = [
        (
            checklist,
            _("Version %(number)d") % {"number": checklist.number},
            "checklistversion",
            checklist.pk,
        ),
        *((area, _("Area “%(code)s”") % {"code": area.code}, "area", area.pk) for area in areas),
        *(
            (
                question,
                _("Key action “%(code)s”") % {"code": question.code},
                "question",
                question.pk,
            )
            for question in questions
        ),
        *(
            (
                quote,
                _("Quote %(order)d of area “%(area)s”")
                % {"order": quote.order, "area": quote.area.code},
                "area",
                quote.area_id,
            )
            for quote in quotes
        ),
        *(
            (
                option,
                _("Answer option “%(code)s”") % {"code": option.code},
                "checklistversion",
                checklist.pk,
            )
            for option in options
        ),
    ]
    problems = []
    for obj, name, fix_model, fix_pk in where:
        for field in TRANSLATED_FIELDS[type(obj)]:
            english = getattr(obj, column(field, ENGLISH)) or ""
            welsh = getattr(obj, column(field, WELSH)) or ""
            if english.strip() and not welsh.strip():
                problems.append(
                    PublishProblem(
                        _("%(object)s: %(field)s (%(language)s) is empty.")
                        % {
                            "object": name,
                            "field": FIELD_NAMES[(type(obj), field)],
                            "language": LANGUAGE_NAMES[WELSH],
                        },
                        fix_model,
                        fix_pk,
                    )
                )
    return problems


def _published_by_whom(version: ChecklistVersion) -> str:
    """ "by Robin Admin on 1 December 2026 at 17:05", as far as it is known."""
    who = ""
    if version.published_by is not None:
        who = version.published_by.full_name or version.published_by.email
    when = (
        formats.date_format(timezone.localtime(version.published_at), "j F Y \a\t H:i")
        if version.published_at
        else ""
    )
    if who and when:
        return _(" by %(who)s on %(when)s") % {"who": who, "when": when}
    if who:
        return _(" by %(who)s") % {"who": who}
    if when:
        return _(" on %(when)s") % {"when": when}
    return ""


def _published_meanwhile(checklist: ChecklistVersion) -> VersioningError:
    current = (
        ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED)
        .select_related("published_by")
        .first()
    )
    if current is None:
        return VersioningError(
            _("The published version changed while you were looking. Compare again.")
        )
    return VersioningError(
        _(
            "Version %(number)d was published%(by_whom)s while you were looking, so version "
            "%(draft)d was not published. Compare again."
        )
        % {
            "number": current.number,
            "by_whom": _published_by_whom(current),
            "draft": checklist.number,
        }
    )


def _retire(version: ChecklistVersion, *, user: User, reason: str) -> None:
    version.status = ChecklistVersion.Status.RETIRED
    _save_with_history(version, user=user, reason=reason, update_fields=["status"])


@transaction.atomic
def checklist_publish(
    *,
    checklist: ChecklistVersion,
    published_by: User,
    expected_published: int | EllipsisType | None = ...,
) -> ChecklistVersion:
    """
    Make the draft `checklist` the version new assessments start on, and retire the version
    published before it. Assessments already started keep their own version. Records who
    published it and when, in the version and in its history.

    `expected_published` is the pk of the published version the admin's confirmation page
    compared against (None: there was none); `...` skips that check.

    Raises `VersioningError`, with a message for the admin, and changes nothing, if the version
    is not a draft (any more), has problems (`checklist_publish_problems`), or another version
    was published since the admin's page was drawn (also when two publishes meet at the
    database's one-published-version rule).
    """
    _lock_versions()
    checklist = ChecklistVersion.objects.select_related("published_by").get(pk=checklist.pk)
    if checklist.status == ChecklistVersion.Status.PUBLISHED:
        raise VersioningError(
            _("Version %(number)d is already published%(by_whom)s. Nothing else was changed.")
            % {"number": checklist.number, "by_whom": _published_by_whom(checklist)}
        )
    if checklist.status != ChecklistVersion.Status.DRAFT:
        raise VersioningError(
            _(
                "Version %(number)d is %(status)s, not a draft, so it cannot be published. "
                "Copy it as a new draft version first."
            )
            % {"number": checklist.number, "status": checklist.get_status_display().lower()}
        )
    previous = ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()
    if expected_published is not ... and (previous.pk if previous else None) != expected_published:
        raise _published_meanwhile(checklist)
    problems = checklist_publish_problems(checklist=checklist)
    if problems:
        raise VersioningError(
            _("Version %(number)d cannot be published yet: %(problems)s")
            % {"number": checklist.number, "problems": " ".join(map(str, problems))}
        )
    reason = _("Published version %(number)d") % {"number": checklist.number}
    try:
        # A savepoint: a publish that meets another at the constraint leaves this transaction
        # usable, to say plainly who won.
        with transaction.atomic():
            # Retire first: the constraint allows one published version at a time.
            if previous is not None:
                _retire(previous, user=published_by, reason=reason)
            checklist.status = ChecklistVersion.Status.PUBLISHED
            checklist.published_at = timezone.now()
            checklist.published_by = published_by
            _save_with_history(
                checklist,
                user=published_by,
                reason=reason,
                update_fields=["status", "published_at", "published_by"],
            )
    except IntegrityError as error:
        raise _published_meanwhile(checklist) from error
    return checklist
