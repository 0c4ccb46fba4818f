"""
The national overview's counts, kept up to date as assessments come and go.

`assessments.overview` reads two small tables instead of every submitted answer, so its cost
depends on the number of councils, not on years of assessments:

* `CouncilSubmissions`: per council, how many people have submitted at least once, and how many
  submitted assessments they hold between them;
* `CouncilAnswerCount`: per council, question and answer option, how many of those assessments
  gave that answer.

They mean exactly what a full scan of the answers counts (`overview_counts_recount`): every
submitted assessment of a person who has a council, earlier ones included, under the council
the person has today; answers left empty are not counted. Councils' minimums are not in them:
the overview applies each council's minimum as it reads, so raising one changes nothing here.

What moves them, each inside the transaction of the change (called in, never by signals):

* a submission: `answering.assessment_submit` calls `overview_counts_add`;
* submitted assessments deleted: an account deleted by its owner or by an admin
  (`data_rights.accounts_delete`) and the retention purge (`data_rights.purge_apply`) call
  `overview_counts_forget` before they delete;
* a person moved to another council, or out of any, in the admin: `overview_counts_move`
  before the save.

Nothing else can change them: a submitted assessment is read-only and is never un-submitted,
the questions and answer options of answers are protected from deletion, and a council that
has people cannot be deleted (its counts, all zero by then, go with it).

Two changes at once never lose a count. Every change first locks the rows of the people whose
assessments it counts (`overview_counts_lock_people`, in id order), so a person's submission
and the deletion of their earlier assessment never each count from the other's half-done
state; then counts move by `F()` increments in the database, never by a value read into
Python, so two councillors of one council submitting at the same moment both count. Councils
are updated in id order, so two changes meet in the same order and never deadlock. (SQLite
runs one write transaction at a time anyway: BEGIN IMMEDIATE.)

`manage.py rebuild_overview_counts` sets them from a full recount, saying what it changed.
"""

import functools
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet

from assessments.models import (
    Answer,
    Assessment,
    Council,
    CouncilAnswerCount,
    CouncilSubmissions,
    User,
)

# (council id, question id, answer option id)
AnswerKey = tuple[int, int, int]


@dataclass
class _Change:
    """How much each count moves; negative for what leaves."""

    people: Counter[int] = field(default_factory=Counter)
    assessments: Counter[int] = field(default_factory=Counter)
    answers: Counter[AnswerKey] = field(default_factory=Counter)

    def scaled(self, factor: int, *, council_id: int | None = None) -> "_Change":
        """This change times `factor`; with `council_id`, all of it under that council."""

        def key(council):
            return council if council_id is None else council_id

        change = _Change()
        for council, n in self.people.items():
            change.people[key(council)] += factor * n
        for council, n in self.assessments.items():
            change.assessments[key(council)] += factor * n
        for (council, question, option), n in self.answers.items():
            change.answers[key(council), question, option] += factor * n
        return change

    def plus(self, other: "_Change") -> "_Change":
        change = self.scaled(1)
        # Counter.update adds negative numbers as they are (`+` would drop them).
        change.people.update(other.people)
        change.assessments.update(other.assessments)
        change.answers.update(other.answers)
        return change


def overview_counts_lock_people(*, people: QuerySet[User]) -> None:
    """
    Lock the rows of `people` until the transaction ends (PostgreSQL; SQLite's one writer at a
    time needs nothing). Every change to the counts takes this lock first, before touching any
    assessment, so that changes about the same person queue one behind the other.
    """
    list(people.select_for_update().order_by("pk").values_list("pk", flat=True))


def _contribution(assessments: QuerySet[Assessment]) -> _Change:
    """
    What the submitted ones among `assessments` add to the counts, under their owners' councils
    (under None for people with no council, which `_apply` leaves out).

    A person is among their council's submitters because of these assessments only when every
    submitted assessment they have is one of them: deleting those takes the person out, and a
    first submission (counted once it is submitted) brings them in.
    """
    counted = assessments.filter(status=Assessment.Status.SUBMITTED)
    change = _Change()
    per_person = (
        Assessment.objects.filter(
            status=Assessment.Status.SUBMITTED, owner__in=counted.values("owner")
        )
        .order_by()
        .values("owner", "owner__council")
        .annotate(total=Count("pk"), these=Count("pk", filter=Q(pk__in=counted.values("pk"))))
    )
    for row in per_person:
        council = row["owner__council"]
        change.assessments[council] += row["these"]
        if row["these"] == row["total"]:
            change.people[council] += 1
    answers = (
        Answer.objects.filter(assessment__in=counted, option__isnull=False)
        .order_by()
        .values_list("assessment__owner__council", "question", "option")
        .annotate(n=Count("pk"))
    )
    for council, question, option, n in answers:
        change.answers[council, question, option] += n
    return change


def _apply(change: _Change) -> None:
    """Move the counts by `change`, council by council in id order, by increments. What is
    under no council is not counted anywhere, so it is left out."""
    councils = sorted(
        (
            {c for c, n in change.people.items() if n}
            | {c for c, n in change.assessments.items() if n}
            | {c for (c, _q, _o), n in change.answers.items() if n}
        )
        - {None}
    )
    if not councils:
        return
    # Rows a count goes up in may not exist yet. A concurrent change may be creating the same
    # row: ON CONFLICT DO NOTHING waits for it, then leaves the row to it. (Counts that only go
    # down already have their rows, so a deletion inserts nothing.)
    CouncilSubmissions.objects.bulk_create(
        [CouncilSubmissions(council_id=c) for c in councils if change.assessments[c] > 0],
        ignore_conflicts=True,
    )
    CouncilAnswerCount.objects.bulk_create(
        [
            CouncilAnswerCount(council_id=c, question_id=q, option_id=o)
            for (c, q, o), n in sorted(
                (key, n) for key, n in change.answers.items() if key[0] is not None
            )
            if n > 0
        ],
        ignore_conflicts=True,
    )
    for council in councils:
        # First, so it also queues changes to the same council's answer counts behind it.
        CouncilSubmissions.objects.filter(council_id=council).update(
            people=F("people") + change.people[council],
            assessments=F("assessments") + change.assessments[council],
        )
        # One UPDATE per distinct step (a submission moves all its answers by one).
        by_step: defaultdict[int, list[Q]] = defaultdict(list)
        for (c, question, option), n in change.answers.items():
            if c == council and n:
                by_step[n].append(Q(question_id=question, option_id=option))
        for n, pairs in sorted(by_step.items()):
            CouncilAnswerCount.objects.filter(
                functools.reduce(operator.or_, pairs), council_id=council
            ).update(count=F("count") + n)


@transaction.atomic
def overview_counts_add(*, assessment: Assessment) -> None:
    """
    Count an assessment just submitted, in the transaction that submitted it. The caller has
    locked its owner (`overview_counts_lock_people`) before submitting it.
    """
    _apply(_contribution(Assessment.objects.filter(pk=assessment.pk)))


@transaction.atomic
def overview_counts_forget(*, assessments: QuerySet[Assessment]) -> None:
    """
    Take `assessments` out of the counts: call it in the transaction that deletes them, just
    before. Their owners stay locked until it ends, so none of them can submit in between.
    """
    overview_counts_lock_people(people=User.objects.filter(pk__in=assessments.values("owner")))
    _apply(_contribution(assessments).scaled(-1))


@transaction.atomic
def overview_counts_move(*, person_id: int, council_id: int | None) -> None:
    """
    Count a person's submitted assessments under `council_id` (None: under no council) instead
    of their council as stored now: call it just before saving their new council.
    """
    overview_counts_lock_people(people=User.objects.filter(pk=person_id))
    current = User.objects.filter(pk=person_id).values_list("council_id", flat=True).first()
    if current == council_id:
        return
    theirs = _contribution(Assessment.objects.filter(owner_id=person_id))
    change = theirs.scaled(-1)
    if council_id is not None:
        change = change.plus(theirs.scaled(1, council_id=council_id))
    _apply(change)


# --- Recount and rebuild -------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """All the counts as plain values, zeros left out."""

    submissions: dict[int, tuple[int, int]]  # council id: (people, assessments)
    answers: dict[AnswerKey, int]


def overview_counts_recount() -> Counts:
    """The counts worked out from every submitted answer: what the stored counts must be."""
    submitted = Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, owner__council__isnull=False
    )
    per_council = (
        submitted.order_by()
        .values_list("owner__council")
        .annotate(people=Count("owner", distinct=True), assessments=Count("pk"))
    )
    answers = (
        Answer.objects.filter(assessment__in=submitted, option__isnull=False)
        .order_by()
        .values_list("assessment__owner__council", "question", "option")
        .annotate(n=Count("pk"))
    )
    return Counts(
        submissions={c: (people, n) for c, people, n in per_council},
        answers={(c, q, o): n for c, q, o, n in answers},
    )


def overview_counts_stored() -> Counts:
    """The counts as kept."""
    return Counts(
        submissions={
            c: (people, n)
            for c, people, n in CouncilSubmissions.objects.exclude(
                people=0, assessments=0
            ).values_list("council", "people", "assessments")
        },
        answers={
            (c, q, o): n
            for c, q, o, n in CouncilAnswerCount.objects.filter(count__gt=0).values_list(
                "council", "question", "option", "count"
            )
        },
    )


@dataclass(frozen=True)
class CouncilDifference:
    """One council whose stored counts differ from the recount."""

    council_id: int
    council_name: str
    people: tuple[int, int]  # (stored, recounted)
    assessments: tuple[int, int]
    answer_counts: int  # how many (question, answer) counts differ

    def __str__(self) -> str:
        parts = []
        if self.people[0] != self.people[1]:
            parts.append(f"people who submitted {self.people[0]} → {self.people[1]}")
        if self.assessments[0] != self.assessments[1]:
            parts.append(f"assessments {self.assessments[0]} → {self.assessments[1]}")
        if self.answer_counts:
            s = "" if self.answer_counts == 1 else "s"
            parts.append(f"{self.answer_counts} answer count{s}")
        return f"{self.council_name}: {', '.join(parts)}"


def _differences(stored: Counts, recounted: Counts) -> list[CouncilDifference]:
    answers_differ: Counter[int] = Counter(
        key[0]
        for key in stored.answers.keys() | recounted.answers.keys()
        if stored.answers.get(key, 0) != recounted.answers.get(key, 0)
    )
    councils = {
        c
        for c in stored.submissions.keys() | recounted.submissions.keys()
        if stored.submissions.get(c, (0, 0)) != recounted.submissions.get(c, (0, 0))
    } | set(answers_differ)
    names = dict(Council.objects.filter(pk__in=councils).values_list("pk", "name"))
    differences = []
    for council in sorted(councils, key=lambda c: (names.get(c, ""), c)):
        before = stored.submissions.get(council, (0, 0))
        after = recounted.submissions.get(council, (0, 0))
        differences.append(
            CouncilDifference(
                council_id=council,
                council_name=names.get(council, f"Council {council}"),
                people=(before[0], after[0]),
                assessments=(before[1], after[1]),
                answer_counts=answers_differ[council],
            )
        )
    return differences


def overview_counts_agree() -> bool:
    """Whether the stored counts are exactly what a full recount gives."""
    return not _differences(overview_counts_stored(), overview_counts_recount())


@transaction.atomic
def overview_counts_rebuild(*, dry_run: bool = False) -> list[CouncilDifference]:
    """
    Set the counts of every council that differs to its full recount, and say which councils
    those were (nothing, when they agree). With `dry_run`, only say.

    On PostgreSQL the two tables are locked against writes first: a submission committed
    between the recount and the write would otherwise have its increment overwritten. Changes
    waiting on the lock add their increments after the rebuild, to counts that do not yet
    include them (the recount cannot see what was not committed).
    """
    if connection.vendor == "postgresql" and not dry_run:
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {CouncilSubmissions._meta.db_table}, "
                f"{CouncilAnswerCount._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
            )
    recounted = overview_counts_recount()
    differences = _differences(overview_counts_stored(), recounted)
    if dry_run or not differences:
        return differences
    councils = [d.council_id for d in differences]
    CouncilSubmissions.objects.filter(council__in=councils).delete()
    CouncilAnswerCount.objects.filter(council__in=councils).delete()
    changed = set(councils)
    CouncilSubmissions.objects.bulk_create(
        CouncilSubmissions(council_id=c, people=people, assessments=n)
        for c, (people, n) in recounted.submissions.items()
        if c in changed
    )
    CouncilAnswerCount.objects.bulk_create(
        (
            CouncilAnswerCount(council_id=c, question_id=q, option_id=o, count=n)
            for (c, q, o), n in recounted.answers.items()
            if c in changed
        ),
        batch_size=5000,
    )
    return differences
