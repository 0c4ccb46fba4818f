"""
Writes about groups: creating and editing them, their members, the assessments members link to
them, and what the group agreed.

Keyword-only, one transaction each. A rule broken here raises `GroupError` with a message written
for the person (forms check the same rules first; these are the last line). A group's name is
unique in its council regardless of case: the database keeps that rule, and a write that meets
it (two people creating the same group at once) gets the form's own message.

Privacy rules (PRODUCT.md section 6; `group_reports` says what the report shows):

* The group's figures are recorded once, as its round, when it first moves on from collecting
  answers with at least the minimum submitted (`group_set_status`); they never change after.
  A group cannot start its discussion below the minimum; it may close below it, with no figures.
* A closed group keeps its answers: it stays closed, its members cannot be removed, and an
  assessment linked to it cannot be unlinked or moved to another group.
"""

import datetime

from django.db import IntegrityError, transaction

from assessments import group_reports, permissions
from assessments.models import (
    AnswerOption,
    Assessment,
    ChecklistVersion,
    Council,
    CouncillorGroup,
    GroupAgreement,
    GroupMembership,
    GroupRound,
    GroupRoundCount,
    Question,
    User,
)
from assessments.refusals import Refusal


class GroupError(Refusal):
    """A change to a group that its rules do not allow; the message says why, plainly."""


def _check_facilitator(council: Council, facilitator: User | None) -> None:
    if facilitator is not None and not permissions.is_officer_of(facilitator, council):
        raise GroupError(f"The facilitator must be an officer of {council.name}")


@transaction.atomic
def group_create(
    *,
    council: Council,
    name: str,
    description: str = "",
    facilitator: User | None = None,
    checklist: ChecklistVersion | None = None,
) -> CouncillorGroup:
    """A new group, open for answers, laid out on the published checklist unless told."""
    _check_facilitator(council, facilitator)
    checklist = checklist or ChecklistVersion.objects.published()
    try:
        with transaction.atomic():  # a savepoint: on PostgreSQL the error must not end the rest
            return CouncillorGroup.objects.create(
                council=council,
                name=name,
                description=description,
                facilitator=facilitator,
                checklist=checklist,
            )
    except IntegrityError as error:
        _refuse_name_taken(council=council, name=name, error=error)
        raise


@transaction.atomic
def group_update(
    *,
    group: CouncillorGroup,
    name: str,
    description: str,
    facilitator: User | None,
    status: str | None = None,
    by: User | None = None,
) -> CouncillorGroup:
    """Save the group's details and, if given, move it to `status` (see `group_set_status`)."""
    _check_facilitator(group.council, facilitator)
    before = (group.name, group.description, group.facilitator)
    group.name, group.description, group.facilitator = name, description, facilitator
    try:
        with transaction.atomic():
            group.save(update_fields=["name", "description", "facilitator", "updated_at"])
    except IntegrityError as error:
        # The page that shows the refusal still names the group as it is saved.
        group.name, group.description, group.facilitator = before
        _refuse_name_taken(council=group.council, name=name, error=error, exclude=group)
        raise
    if status is None:
        return group
    return group_set_status(group=group, status=status, by=by)


def _refuse_name_taken(
    *,
    council: Council,
    name: str,
    error: IntegrityError,
    exclude: CouncillorGroup | None = None,
) -> None:
    """After the database refused a group's name: if another group of the council has it (in
    any case), say so as the form does. Any other refusal is left to the caller to re-raise."""
    others = CouncillorGroup.objects.filter(council=council, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        raise GroupError(f"{council.name} already has a group called “{name}”") from error


@transaction.atomic
def group_set_status(
    *, group: CouncillorGroup, status: str, by: User | None = None
) -> CouncillorGroup:
    """
    Move the group on (or back). Leaving "open for answers" for the first time records the
    round (`group_round_record`); a closed group stays closed; the discussion cannot start
    before the minimum has submitted. The group's row is locked first, so two officers changing
    it at once are taken one after the other.
    """
    if status not in CouncillorGroup.Status.values:
        raise GroupError("Choose whether the group is open for answers, in discussion or closed")
    saved = CouncillorGroup.objects.select_for_update().only("status").get(pk=group.pk)
    if saved.status == status:
        return group
    if saved.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(
            f"{group.name} is closed, so it stays closed and keeps its answers. "
            "Create a new group for another discussion."
        )
    if status != CouncillorGroup.Status.OPEN:
        round_ = group_round_record(group=group, by=by)
        if round_ is None and status == CouncillorGroup.Status.DISCUSSION:
            minimum = group_reports.group_minimum(group.council)
            raise GroupError(
                f"{group.name}’s discussion can start once at least {minimum} members have "
                "submitted an assessment linked to the group"
            )
    group.status = status
    group.save(update_fields=["status", "updated_at"])
    return group


def group_round_record(*, group: CouncillorGroup, by: User | None) -> GroupRound | None:
    """
    The group's round: the one already recorded, or, if at least the minimum of members are
    counted now, their answers' counts recorded as the round. None below the minimum.

    Called inside `group_set_status`'s transaction, with the group's row locked; the database's
    one-round-per-group rule is the last line if two writers still meet.
    """
    existing = GroupRound.objects.filter(group=group).first()
    if existing is not None:
        return existing
    counted = group_reports.counted_assessments(group)
    responses = counted.count()
    if responses < group_reports.group_minimum(group.council):
        return None
    try:
        with transaction.atomic():  # a savepoint: on PostgreSQL the error must not end the rest
            round_ = GroupRound.objects.create(group=group, responses=responses, recorded_by=by)
    except IntegrityError:
        return GroupRound.objects.get(group=group)
    GroupRoundCount.objects.bulk_create(
        GroupRoundCount(round=round_, question_code=question, option_code=option, count=n)
        for question, options in group_reports.answer_counts(counted).items()
        for option, n in options.items()
    )
    return round_


def _refuse_if_closed(group: CouncillorGroup) -> None:
    # Read from the database, not the page's copy: the group may have closed since it loaded.
    if CouncillorGroup.objects.filter(pk=group.pk, status=CouncillorGroup.Status.CLOSED).exists():
        raise GroupError(f"{group.name} is closed, so its members stay as they were")


@transaction.atomic
def group_add_members(*, group: CouncillorGroup, users: list[User]) -> list[User]:
    """Add councillors of the group's council; those already members are left as they are.
    Returns those added (for the security log). A closed group's members stay as they were."""
    _refuse_if_closed(group)
    for user in users:
        if not (permissions.is_councillor(user) and user.council_id == group.council_id):
            raise GroupError(f"{user} is not a councillor of {group.council.name}")
    existing = set(group.memberships.values_list("user_id", flat=True))
    new = [u for u in users if u.pk not in existing]
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, user=u) for u in new], ignore_conflicts=True
    )
    return new


@transaction.atomic
def group_remove_member(*, group: CouncillorGroup, user: User) -> None:
    """
    Take someone out of the group. Their assessments are not touched, links included. The
    group's recorded figures do not change (see the module docstring); while it is collecting,
    they simply stop counting towards the minimum. A closed group's members stay.
    """
    _refuse_if_closed(group)
    group.memberships.filter(user=user).delete()


@transaction.atomic
def assessment_link_group(
    *, assessment: Assessment, group: CouncillorGroup, user: User
) -> Assessment:
    """Link the user's own assessment (draft or submitted) to a group they belong to. An
    assessment belongs to one group at a time, so this moves it from any other group, unless
    that group is closed: a closed group keeps its answers."""
    if assessment.owner_id != user.pk:
        raise GroupError("You can only link your own assessments")
    if not group.memberships.filter(user=user).exists():
        raise GroupError(f"You are not a member of {group.name}")
    if group.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(f"{group.name} is closed, so assessments can no longer be linked to it")
    current = (
        CouncillorGroup.objects.filter(assessments__pk=assessment.pk).only("name", "status").first()
    )
    if current is not None and current.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(
            f"This assessment is part of {current.name}’s record, which is closed, "
            "so it stays linked there"
        )
    Assessment.objects.filter(pk=assessment.pk).update(group=group)
    assessment.group = group
    return assessment


@transaction.atomic
def assessment_unlink_group(*, assessment: Assessment, user: User) -> Assessment:
    if assessment.owner_id != user.pk:
        raise GroupError("You can only unlink your own assessments")
    if assessment.group is not None and assessment.group.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(f"{assessment.group.name} is closed, so its answers are kept as they are")
    Assessment.objects.filter(pk=assessment.pk).update(group=None)
    assessment.group = None
    return assessment


@transaction.atomic
def group_record_agreement(
    *,
    group: CouncillorGroup,
    question: Question,
    option: AnswerOption | None,
    note: str = "",
    action_what: str = "",
    action_lead: str = "",
    action_due_date: datetime.date | None = None,
    action_reported_to: str = "",
    by: User,
) -> GroupAgreement:
    """Record (or change) the group's agreed answer and action on one key action."""
    if question.area.checklist_id != group.checklist_id:
        raise GroupError("That key action is not in this group's checklist")
    if option is not None and option.checklist_id != group.checklist_id:
        raise GroupError("That answer is not on this group's answer scale")
    agreement, _ = GroupAgreement.objects.update_or_create(
        group=group,
        question=question,
        defaults={
            "option": option,
            "note": note,
            "action_what": action_what,
            "action_lead": action_lead,
            "action_due_date": action_due_date,
            "action_reported_to": action_reported_to,
            "updated_by": by,
        },
    )
    return agreement
