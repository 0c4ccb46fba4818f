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
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import emails, group_reports, permissions
from assessments.access_log import audit_access
from assessments.models import (
    AccessEvent,
    AnswerOption,
    Assessment,
    ChecklistVersion,
    Council,
    CouncillorGroup,
    Email,
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


class StaleAgreement(GroupError):
    """Another officer recorded this agreement first, after the page was drawn."""


def _check_facilitator(council: Council, facilitator: User | None) -> None:
    if facilitator is not None and not permissions.is_officer_of(facilitator, council):
        raise GroupError(
            _("The facilitator must be an officer of %(council)s") % {"council": council.name}
        )


@transaction.atomic
def group_create(
    *,
    council: Council,
    name: str,
    description: str = "",
    facilitator: User | None = None,
    checklist: ChecklistVersion | None = None,
    meeting_date: datetime.date | None = None,
    answers_due: datetime.date | None = None,
    agenda_size: int = CouncillorGroup.AGENDA_SIZE_DEFAULT,
) -> CouncillorGroup:
    """A new group, open for answers, laid out on the published checklist unless told."""
    _check_facilitator(council, facilitator)
    _check_meeting(meeting_date=meeting_date, answers_due=answers_due, agenda_size=agenda_size)
    checklist = checklist or ChecklistVersion.objects.published()
    try:
        with transaction.atomic():  # a savepoint: on PostgreSQL the error must not end the rest
            return CouncillorGroup.objects.create(
                council=council,
                name=name,
                description=description,
                facilitator=facilitator,
                checklist=checklist,
                meeting_date=meeting_date,
                answers_due=answers_due,
                agenda_size=agenda_size,
            )
    except IntegrityError as error:
        _refuse_name_taken(council=council, name=name, error=error)
        raise


def _check_meeting(
    *, meeting_date: datetime.date | None, answers_due: datetime.date | None, agenda_size: int
) -> None:
    """The database's own rules for a meeting (its check constraints), said plainly first."""
    if meeting_date and answers_due and answers_due > meeting_date:
        raise GroupError(
            _("The answers deadline must be on or before the meeting date, %(meeting)s")
            % {"meeting": date_format(meeting_date, "j F Y")}
        )
    if not 1 <= agenda_size <= CouncillorGroup.AGENDA_SIZE_MAX:
        raise GroupError(
            _("The agenda must list from 1 to %(max)d key actions")
            % {"max": CouncillorGroup.AGENDA_SIZE_MAX}
        )


class Unchanged:
    """A value not given to `group_update`: the saved one stays."""


UNCHANGED = Unchanged()


@transaction.atomic
def group_update(
    *,
    group: CouncillorGroup,
    name: str,
    description: str,
    facilitator: User | None,
    status: str | None = None,
    by: User | None = None,
    meeting_date: datetime.date | Unchanged | None = UNCHANGED,
    answers_due: datetime.date | Unchanged | None = UNCHANGED,
    agenda_size: int | None = None,
) -> CouncillorGroup:
    """
    Save the group's details and, if given, move it to `status` (see `group_set_status`).
    The meeting's dates and agenda size stay as they are unless given (None clears a date).
    A changed answers deadline gets its own reminder (`reminders.group_deadline_reminder_key`).
    """
    _check_facilitator(group.council, facilitator)
    if isinstance(meeting_date, Unchanged):
        meeting_date = group.meeting_date
    if isinstance(answers_due, Unchanged):
        answers_due = group.answers_due
    agenda_size = group.agenda_size if agenda_size is None else agenda_size
    _check_meeting(meeting_date=meeting_date, answers_due=answers_due, agenda_size=agenda_size)
    fields = ["name", "description", "facilitator", "meeting_date", "answers_due", "agenda_size"]
    before = {name: getattr(group, name) for name in fields}
    group.name, group.description, group.facilitator = name, description, facilitator
    group.meeting_date, group.answers_due, group.agenda_size = (
        meeting_date,
        answers_due,
        agenda_size,
    )
    try:
        with transaction.atomic():
            group.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as error:
        # The page that shows the refusal still names the group as it is saved.
        for field, value in before.items():
            setattr(group, field, value)
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
        raise GroupError(
            _("%(council)s already has a group called “%(name)s”")
            % {"council": council.name, "name": name}
        ) from error


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
        raise GroupError(
            _("Choose whether the group is collecting answers, discussing them, or agreed (closed)")
        )
    saved = CouncillorGroup.objects.select_for_update().only("status").get(pk=group.pk)
    if saved.status == status:
        return group
    if saved.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(
            _(
                "%(group)s is closed, so it stays closed and keeps its answers. "
                "Create a new group for another discussion."
            )
            % {"group": group.name}
        )
    if status != CouncillorGroup.Status.OPEN:
        round_ = group_round_record(group=group, by=by)
        if round_ is None and status == CouncillorGroup.Status.DISCUSSION:
            minimum = group_reports.group_minimum(group.council)
            raise GroupError(
                ngettext(
                    "%(group)s’s discussion can start once at least %(minimum)d member has "
                    "submitted an assessment linked to the group",
                    "%(group)s’s discussion can start once at least %(minimum)d members have "
                    "submitted an assessment linked to the group",
                    minimum,
                )
                % {"group": group.name, "minimum": minimum}
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


def _refuse_if_closed(group: CouncillorGroup, message: str = "") -> None:
    # Read from the database, not the page's copy: the group may have closed since it loaded.
    if CouncillorGroup.objects.filter(pk=group.pk, status=CouncillorGroup.Status.CLOSED).exists():
        raise GroupError(
            message
            or _("%(group)s is closed, so its members stay as they were") % {"group": group.name}
        )


@transaction.atomic
def group_add_members(
    *, group: CouncillorGroup, users: list[User], by: User | None = None
) -> list[User]:
    """
    Add councillors of the group's council; those already members are left as they are.
    Returns those added (for the security log). A closed group's members stay as they were.

    Each person added is emailed once (GROUP_ADDED, sent by the task queue when this commits):
    the key "group-added:<group>:<person>" is used once ever, so a double click, two officers
    at once, or removing someone and adding them back never sends a second one. Someone whose
    invitation is not accepted yet is emailed too: the link leads to sign-in, and the email
    says to accept the invitation first.
    """
    _refuse_if_closed(group)
    for user in users:
        if not (permissions.is_councillor(user) and user.council_id == group.council_id):
            raise GroupError(
                _("%(user)s is not a councillor of %(council)s")
                % {"user": user, "council": group.council.name}
            )
    existing = set(group.memberships.values_list("user_id", flat=True))
    new = [u for u in users if u.pk not in existing]
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=group, user=u) for u in new], ignore_conflicts=True
    )
    for user in new:
        emails.email_queue(
            purpose=Email.Purpose.GROUP_ADDED,
            user=user,
            key=group_added_key(group, user),
            group=group,
        )
        audit_access(
            action=AccessEvent.Action.GROUP_MEMBER_ADDED, actor=by, subject=user, group=group
        )
    return new


def group_added_key(group: CouncillorGroup, user: User) -> str:
    return f"group-added:{group.pk}:{user.pk}"


def group_email_fields(*, group: CouncillorGroup, user: User) -> dict[str, str]:
    """What every email about a group tells its member: who, which group and council, the
    meeting date, the deadline and the minimum for the group's figures. Plain strings, as
    GOV.UK Notify takes them."""
    return {
        "full_name": user.full_name,
        "group": group.name,
        "council": group.council.name,
        "meeting_date": emails.long_date(group.meeting_date) if group.meeting_date else "",
        "answers_due": emails.long_date(group.answers_due) if group.answers_due else "",
        "minimum": str(group_reports.group_minimum(group.council)),
    }


@emails.message_builder(Email.Purpose.GROUP_ADDED)
def group_added_message(email: Email) -> emails.OutgoingMessage | None:
    """The "you were added" email, built when it is sent: cancelled if the person was removed
    from the group meanwhile, or the group has closed."""
    assert email.group_id is not None  # a group's email names it (a constraint)
    user = email.user
    group = (
        CouncillorGroup.objects.select_related("council", "facilitator")
        .filter(pk=email.group_id, memberships__user=user)
        .exclude(status=CouncillorGroup.Status.CLOSED)
        .first()
    )
    if group is None:
        return None
    minimum = group_reports.group_minimum(group.council)
    fields = {
        **group_email_fields(group=group, user=user),
        "facilitator": group.facilitator.full_name if group.facilitator else "",
        "link": emails.site_link("assessments:dashboard"),
        "group_link": emails.site_link("assessments:group_detail", group.pk),
    }
    return emails.render_message(
        Email.Purpose.GROUP_ADDED,
        {**fields, "minimum": minimum, "account_ready": user.is_active},
        user=user,
        notify_personalisation={**fields, "account_ready": "yes" if user.is_active else "no"},
    )


@dataclass(frozen=True)
class MemberRemoval:
    """What removing one member would change, for the confirmation page."""

    is_counted: bool  # their submitted assessment, linked to the group, counts today
    is_recorded: bool  # the group's figures are recorded already, so they do not change
    minimum: int


def member_removal(*, group: CouncillorGroup, user: User) -> MemberRemoval:
    """Two queries: whether the member is counted, and whether the round is recorded."""
    return MemberRemoval(
        is_counted=group_reports.counted_assessments(group).filter(owner=user).exists(),
        is_recorded=GroupRound.objects.filter(group=group).exists(),
        minimum=group_reports.group_minimum(group.council),
    )


@transaction.atomic
def group_remove_member(*, group: CouncillorGroup, user: User, by: User | None = None) -> None:
    """
    Take someone out of the group. Their assessments are not touched, links included. The
    group's recorded figures do not change (see the module docstring); while it is collecting,
    they simply stop counting towards the minimum. A closed group's members stay.
    """
    _refuse_if_closed(group)
    removed, _counts = group.memberships.filter(user=user).delete()
    if removed:  # a double click removes (and is recorded) once
        audit_access(
            action=AccessEvent.Action.GROUP_MEMBER_REMOVED, actor=by, subject=user, group=group
        )


@transaction.atomic
def assessment_link_group(
    *, assessment: Assessment, group: CouncillorGroup, user: User
) -> Assessment:
    """Link the user's own assessment (draft or submitted) to a group they belong to. An
    assessment belongs to one group at a time, so this moves it from any other group, unless
    that group is closed: a closed group keeps its answers."""
    if assessment.owner_id != user.pk:
        raise GroupError(_("You can only link your own assessments"))
    if not group.memberships.filter(user=user).exists():
        raise GroupError(_("You are not a member of %(group)s") % {"group": group.name})
    if group.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(
            _("%(group)s is closed, so assessments can no longer be linked to it")
            % {"group": group.name}
        )
    current = (
        CouncillorGroup.objects.filter(assessments__pk=assessment.pk).only("name", "status").first()
    )
    if current is not None and current.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(
            _(
                "This assessment is part of %(group)s’s record, which is closed, "
                "so it stays linked there"
            )
            % {"group": current.name}
        )
    Assessment.objects.filter(pk=assessment.pk).update(group=group)
    assessment.group = group
    return assessment


@transaction.atomic
def assessment_unlink_group(*, assessment: Assessment, user: User) -> Assessment:
    if assessment.owner_id != user.pk:
        raise GroupError(_("You can only unlink your own assessments"))
    if assessment.group is not None and assessment.group.status == CouncillorGroup.Status.CLOSED:
        raise GroupError(
            _("%(group)s is closed, so its answers are kept as they are")
            % {"group": assessment.group.name}
        )
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
    is_new: bool = False,
) -> GroupAgreement:
    """
    Record (or change) the group's agreed answer and action on one key action. A closed
    (agreed) group keeps what it agreed: nothing is recorded on it any more.

    With `is_new` (the page showed no agreement yet), it is only created: if another officer's
    first save got there in between, `StaleAgreement` is raised and theirs is kept, rather than
    quietly replaced (the database's one-agreement-per-key-action rule decides the race).
    """
    _refuse_if_closed(
        group,
        _("%(group)s is agreed and closed, so what it agreed can no longer change.")
        % {"group": group.name},
    )
    if question.area.checklist_id != group.checklist_id:
        raise GroupError(_("That key action is not in this group's checklist"))
    if option is not None and option.checklist_id != group.checklist_id:
        raise GroupError(_("That answer is not on this group's answer scale"))
    fields = {
        "option": option,
        "note": note,
        "action_what": action_what,
        "action_lead": action_lead,
        "action_due_date": action_due_date,
        "action_reported_to": action_reported_to,
        "updated_by": by,
    }
    if is_new:
        try:
            with transaction.atomic():  # a savepoint: the refused insert leaves the rest usable
                return GroupAgreement.objects.create(group=group, question=question, **fields)
        except IntegrityError:
            raise StaleAgreement from None
    agreement, _created = GroupAgreement.objects.update_or_create(
        group=group, question=question, defaults=fields
    )
    return agreement
