"""
Reminders councillors and officers would expect, sent as emails through `assessments.emails`.

The rules:

* **A person can turn reminders off** (`User.reminders_enabled`, the "Email reminders" page).
  Off, no reminder is queued for them; and because a builder reads the setting again at the
  moment of sending, one queued before they turned it off is not sent ("no longer needed").
  Only active accounts are reminded: a deactivated account, or an invitation not yet accepted
  (its officer uses "Send again" on the invitation instead), is never counted.
* **An officer reminds their council's councillors** who have not started or not submitted:
  an active councillor with no assessment submitted and none started (the dashboard's "Account
  set up" and "Signed in"), or with an assessment started and not yet submitted (its "Started";
  also a councillor who submitted before and has a new one in progress). One round queues one
  COMPLETION_REMINDER per person, never twice within 24 hours: a person reminded in the last
  `COMPLETION_REMINDER_GAP` is not counted or sent again, and the key
  "completion-reminder:<user>:<UTC date>" lets one email per person and day through even if two
  rounds race (a double click). The count the officer is shown is worked out by the same
  function that picks who is sent one.
* **A next step coming due gets one reminder**: a step with a due date from today to
  `STEP_REMINDER_DAYS` ahead, on a submitted assessment of an active person with reminders on,
  is reminded once per due date (key "step-reminder:<step>:<due date>"). The whole window
  counts, not only the seventh day, so a daily run that was missed catches up on the next, and
  a step planned four days before it is due still gets its reminder; a step whose due date
  moves is reminded again for the new date. The daily `manage.py send_reminders` queues them.
  A step reminder carries the step as an .ics calendar file (`exports.step_calendar`); GOV.UK
  Notify attaches nothing, so it is also offered as a link to the signed-in download.
* **A group's members are reminded before its answers deadline**: a member of a group that is
  still collecting answers who has not submitted an assessment linked to it, has an active
  account and has reminders on. The group's officer can send a round at any time (the count
  shown first, then a POST): one GROUP_REMINDER per member, never twice within 24 hours (any
  group reminder to that member for that group counts; key
  "group-reminder:<group>:<user>:<UTC date>"). And `manage.py send_reminders` sends each such
  member one GROUP_REMINDER from `GROUP_REMINDER_DAYS` before the deadline to the day itself
  (the window counts, so a missed run catches up), keyed
  "group-deadline-reminder:<group>:<user>:<deadline>": a deadline moved gets a reminder of its
  own; someone the officer reminded in the last 24 hours is left for the next day's run.
* At the moment of sending each builder checks the reminder is still wanted: the account
  active, reminders on, and (for a step) the step still due on the day it was queued for and
  not yet past; (for completion) the assessment still not submitted; (for a group) still a
  member, the group still collecting, nothing submitted for it, and (by the command) the
  deadline unchanged and not past. Otherwise the email is cancelled. A step or person deleted meanwhile takes its queued email with it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessments import dashboards, exports, groups
from assessments.emails import (
    OutgoingMessage,
    email_queue,
    long_date,
    message_builder,
    render_message,
    site_link,
)
from assessments.models import (
    ActionStep,
    Assessment,
    Council,
    CouncillorGroup,
    Email,
    GroupMembership,
    ReminderRound,
    User,
)

COMPLETION_REMINDER_GAP = timedelta(hours=24)
STEP_REMINDER_DAYS = 7
GROUP_REMINDER_GAP = timedelta(hours=24)
GROUP_REMINDER_DAYS = 2


# --- Reminding a council's councillors -----------------------------------------------------


def needs_completion_reminder(row: dashboards.CouncillorRow) -> bool:
    """An active councillor who has not started, or has started and not submitted, by the
    dashboard's reading of their progress (the module's rules)."""
    if not row.user.is_active:
        return False
    return row.draft_started is not None or row.state in (
        dashboards.ProgressState.ACTIVE,
        dashboards.ProgressState.SIGNED_IN,
    )


@dataclass(frozen=True)
class CompletionReminderPlan:
    """Who a "Remind councillors" round would email now, and who is left out and why."""

    to_remind: list[User]
    recently_reminded: int  # would be reminded, but had one in the last 24 hours
    reminders_off: int  # would be reminded, but turned reminders off
    not_accepted: int  # invited, never accepted: "Send again" on their invitation instead
    last_round: ReminderRound | None

    @property
    def count(self) -> int:
        return len(self.to_remind)


def completion_reminder_plan(
    *, council: Council, now: datetime | None = None
) -> CompletionReminderPlan:
    """
    The councillors of `council` a round would remind (the module's rules), in five queries
    whatever their number: the dashboard's three, the reminders of the last 24 hours, and the
    council's last round.
    """
    now = now or timezone.now()
    rows = dashboards.council_councillors(council)
    reminded = set(
        Email.objects.filter(
            purpose=Email.Purpose.COMPLETION_REMINDER,
            user__council=council,
            created_at__gt=now - COMPLETION_REMINDER_GAP,
        ).values_list("user_id", flat=True)
    )
    to_remind: list[User] = []
    recently_reminded = reminders_off = not_accepted = 0
    for row in rows:
        if not row.user.is_active:
            not_accepted += row.state in (
                dashboards.ProgressState.PENDING,
                dashboards.ProgressState.EXPIRED,
            )
        elif not needs_completion_reminder(row):
            continue
        elif not row.user.reminders_enabled:
            reminders_off += 1
        elif row.user.pk in reminded:
            recently_reminded += 1
        else:
            to_remind.append(row.user)
    return CompletionReminderPlan(
        to_remind=to_remind,
        recently_reminded=recently_reminded,
        reminders_off=reminders_off,
        not_accepted=not_accepted,
        last_round=ReminderRound.objects.filter(council=council).first(),
    )


def completion_reminder_key(user: User, day: date) -> str:
    return f"completion-reminder:{user.pk}:{day.isoformat()}"


def completion_reminders_send(*, council: Council, sent_by: User | None) -> int:
    """
    Queue one completion reminder for each councillor `completion_reminder_plan` counts, record
    the round, and return how many were queued (0 records nothing).

    The council's row is locked first, so two rounds at once (a double click, two officers)
    run one after the other and the second finds everyone reminded; the keys also hold on a
    database that does not lock rows.
    """
    with transaction.atomic():
        Council.objects.select_for_update().filter(pk=council.pk).first()
        now = timezone.now()
        # The UTC day, not the local one: a UTC day is always 24 hours, so a round 24 hours
        # after the last always has a new key (the day the clocks go back is 25 hours long).
        today = now.astimezone(UTC).date()
        plan = completion_reminder_plan(council=council, now=now)
        queued = sum(
            email_queue(
                purpose=Email.Purpose.COMPLETION_REMINDER,
                user=user,
                key=completion_reminder_key(user, today),
            )
            is not None
            for user in plan.to_remind
        )
        if queued:
            ReminderRound.objects.create(council=council, sent_by=sent_by, recipients=queued)
    return queued


@message_builder(Email.Purpose.COMPLETION_REMINDER)
def completion_reminder_message(email: Email) -> OutgoingMessage | None:
    user = email.user
    if not (user.is_active and user.reminders_enabled):
        return None
    statuses = set(Assessment.objects.filter(owner=user).values_list("status", flat=True))
    has_draft = Assessment.Status.DRAFT in statuses
    if not has_draft and Assessment.Status.SUBMITTED in statuses:
        return None  # submitted since the officer asked
    fields = {
        "full_name": user.full_name,
        "council": str(user.council) if user.council_id else "",
        "link": site_link("assessments:dashboard"),
        "reminders_link": site_link("assessments:email_reminders"),
    }
    return render_message(
        Email.Purpose.COMPLETION_REMINDER,
        {**fields, "has_draft": has_draft},
        user=user,
        notify_personalisation={**fields, "started": "yes" if has_draft else "no"},
    )


# --- Next steps coming due -----------------------------------------------------------------


def step_report_link(step: ActionStep) -> str:
    """The step's place in its report (the email's link, and the calendar event's URL)."""
    return site_link(
        "assessments:report", step.answer.assessment_id, fragment=f"gap-{step.answer.question.code}"
    )


def step_reminder_key(step: ActionStep) -> str:
    assert step.due_date is not None
    return f"step-reminder:{step.pk}:{step.due_date.isoformat()}"


def steps_due_for_reminder(*, today: date) -> list[ActionStep]:
    """The steps due from `today` to `STEP_REMINDER_DAYS` ahead, of active people with
    reminders on, not yet reminded for their due date: two queries."""
    steps = list(
        ActionStep.objects.filter(
            due_date__gte=today,
            due_date__lte=today + timedelta(days=STEP_REMINDER_DAYS),
            answer__assessment__status=Assessment.Status.SUBMITTED,
            answer__assessment__owner__is_active=True,
            answer__assessment__owner__reminders_enabled=True,
        )
        .select_related("answer__assessment__owner")
        .order_by("due_date", "pk")
    )
    reminded = set(
        Email.objects.filter(key__in=[step_reminder_key(step) for step in steps]).values_list(
            "key", flat=True
        )
    )
    return [step for step in steps if step_reminder_key(step) not in reminded]


def step_reminders_queue(*, today: date | None = None) -> int:
    """Queue a reminder for every step `steps_due_for_reminder` finds; how many were queued.
    Run twice, the second run finds them reminded and queues none."""
    today = today or timezone.localdate()
    with transaction.atomic():
        return sum(
            email_queue(
                purpose=Email.Purpose.STEP_REMINDER,
                user=step.answer.assessment.owner,
                key=step_reminder_key(step),
                action_step=step,
            )
            is not None
            for step in steps_due_for_reminder(today=today)
        )


@message_builder(Email.Purpose.STEP_REMINDER)
def step_reminder_message(email: Email) -> OutgoingMessage | None:
    user = email.user
    if email.action_step_id is None:
        return None
    step = (
        ActionStep.objects.select_related("answer__question")
        .filter(pk=email.action_step_id, answer__assessment__owner=user)
        .first()
    )
    if step is None or not (user.is_active and user.reminders_enabled):
        return None
    if step.due_date is None or step_reminder_key(step) != email.key:
        return None  # its due date was cleared or moved: a new date gets its own reminder
    if step.due_date < timezone.localdate():
        return None  # queued, but not sent before the day it was due
    fields = {
        "full_name": user.full_name,
        "what": step.what,
        "due_date": long_date(step.due_date),
        "lead": step.lead,
        "reported_to": step.reported_to,
        "question": step.answer.question.summary,
        "report_link": step_report_link(step),
        "calendar_link": site_link("assessments:action_step_calendar", step.pk),
        "reminders_link": site_link("assessments:email_reminders"),
    }
    calendar = exports.step_calendar(step, url=str(fields["report_link"]))
    return render_message(
        Email.Purpose.STEP_REMINDER,
        {**fields, "step": step},
        user=user,
        attachments=((exports.step_calendar_filename(step), calendar, exports.CALENDAR),),
        notify_personalisation=fields,
    )


# --- A group's answers deadline ------------------------------------------------------------


@dataclass(frozen=True)
class GroupReminderPlan:
    """Who a group's "Remind members" round would email now, and who is left out and why."""

    to_remind: list[User]
    recently_reminded: int  # not submitted, but had a group reminder in the last 24 hours
    reminders_off: int  # not submitted, but turned reminders off
    not_accepted: int  # not submitted, invitation not accepted: no account to sign in to
    last_sent_at: datetime | None  # the group's latest reminder, from the officer or the command
    is_collecting: bool  # only a group collecting answers has anyone to remind

    @property
    def count(self) -> int:
        return len(self.to_remind)


def _unsubmitted_memberships(group: CouncillorGroup, *, since: datetime):
    """The group's memberships whose member has no submitted assessment linked to it, each
    annotated with whether they had a group reminder for it since `since`: one query."""
    submitted = Assessment.objects.filter(
        owner=OuterRef("user"), group=group, status=Assessment.Status.SUBMITTED
    )
    reminded = Email.objects.filter(
        purpose=Email.Purpose.GROUP_REMINDER,
        group=group,
        user=OuterRef("user"),
        created_at__gt=since,
    )
    return (
        GroupMembership.objects.filter(group=group)
        .exclude(Exists(submitted))
        .annotate(recently_reminded=Exists(reminded))
        .select_related("user")
        .order_by("user__full_name", "user__pk")
    )


def group_reminder_plan(
    *, group: CouncillorGroup, now: datetime | None = None
) -> GroupReminderPlan:
    """The members of `group` a round would remind (the module's rules), in two queries
    whatever their number: the members not submitted, and the group's latest reminder."""
    now = now or timezone.now()
    last = (
        Email.objects.filter(purpose=Email.Purpose.GROUP_REMINDER, group=group)
        .values_list("created_at", flat=True)
        .first()
    )
    is_collecting = group.status == CouncillorGroup.Status.OPEN
    to_remind: list[User] = []
    recently_reminded = reminders_off = not_accepted = 0
    if is_collecting:
        for membership in _unsubmitted_memberships(group, since=now - GROUP_REMINDER_GAP):
            user = membership.user
            if not user.is_active:
                not_accepted += 1
            elif not user.reminders_enabled:
                reminders_off += 1
            elif membership.recently_reminded:
                recently_reminded += 1
            else:
                to_remind.append(user)
    return GroupReminderPlan(
        to_remind=to_remind,
        recently_reminded=recently_reminded,
        reminders_off=reminders_off,
        not_accepted=not_accepted,
        last_sent_at=last,
        is_collecting=is_collecting,
    )


def group_reminder_key(group: CouncillorGroup, user: User, day: date) -> str:
    return f"group-reminder:{group.pk}:{user.pk}:{day.isoformat()}"


def group_deadline_reminder_key(group: CouncillorGroup, user: User) -> str:
    assert group.answers_due is not None
    return f"group-deadline-reminder:{group.pk}:{user.pk}:{group.answers_due.isoformat()}"


def group_reminders_send(*, group: CouncillorGroup) -> int:
    """
    Queue one reminder for each member `group_reminder_plan` counts; how many were queued.

    The group's row is locked first, so two rounds at once (a double click, two officers) run
    one after the other and the second finds everyone reminded; the keys also hold on a
    database that does not lock rows.
    """
    with transaction.atomic():
        locked = CouncillorGroup.objects.select_for_update().filter(pk=group.pk).first()
        if locked is None:
            return 0
        now = timezone.now()
        today = now.astimezone(UTC).date()  # a UTC day is always 24 hours (see above)
        plan = group_reminder_plan(group=locked, now=now)
        return sum(
            email_queue(
                purpose=Email.Purpose.GROUP_REMINDER,
                user=user,
                key=group_reminder_key(locked, user, today),
                group=locked,
            )
            is not None
            for user in plan.to_remind
        )


def group_deadline_reminders_due(*, today: date) -> list[tuple[CouncillorGroup, User]]:
    """(group, member) for each member the command would remind today: groups collecting
    answers whose deadline is from today to `GROUP_REMINDER_DAYS` ahead, members as
    `group_reminder_plan` counts them, not yet reminded for this deadline. One query for the
    groups, then one a group for its members and one for the keys used."""
    groups = CouncillorGroup.objects.filter(
        status=CouncillorGroup.Status.OPEN,
        answers_due__gte=today,
        answers_due__lte=today + timedelta(days=GROUP_REMINDER_DAYS),
    ).order_by("answers_due", "pk")
    due: list[tuple[CouncillorGroup, User]] = []
    for group in groups:
        plan = group_reminder_plan(group=group)
        due += [(group, user) for user in plan.to_remind]
    used = set(
        Email.objects.filter(
            key__in=[group_deadline_reminder_key(g, u) for g, u in due]
        ).values_list("key", flat=True)
    )
    return [(g, u) for g, u in due if group_deadline_reminder_key(g, u) not in used]


def group_deadline_reminders_queue(*, today: date | None = None) -> int:
    """Queue a reminder for each (group, member) `group_deadline_reminders_due` finds; how many
    were queued. Run twice, the second run finds them reminded and queues none."""
    today = today or timezone.localdate()
    with transaction.atomic():
        return sum(
            email_queue(
                purpose=Email.Purpose.GROUP_REMINDER,
                user=user,
                key=group_deadline_reminder_key(group, user),
                group=group,
            )
            is not None
            for group, user in group_deadline_reminders_due(today=today)
        )


@message_builder(Email.Purpose.GROUP_REMINDER)
def group_reminder_message(email: Email) -> OutgoingMessage | None:
    user = email.user
    if not (user.is_active and user.reminders_enabled) or email.group_id is None:
        return None
    group = (
        CouncillorGroup.objects.select_related("council")
        .filter(pk=email.group_id, memberships__user=user, status=CouncillorGroup.Status.OPEN)
        .first()
    )
    if group is None:
        return None  # removed from the group, or its discussion has started
    if email.key.startswith("group-deadline-reminder:"):
        if group.answers_due is None or group_deadline_reminder_key(group, user) != email.key:
            return None  # the deadline moved or was cleared: a new one gets its own reminder
        if group.answers_due < timezone.localdate():
            return None  # queued, but not sent before the deadline passed
    statuses = set(
        Assessment.objects.filter(owner=user, group=group).values_list("status", flat=True)
    )
    if Assessment.Status.SUBMITTED in statuses:
        return None  # submitted for the group since
    has_draft = Assessment.Status.DRAFT in statuses
    fields = {
        **groups.group_email_fields(group=group, user=user),
        "link": site_link("assessments:dashboard"),
        "reminders_link": site_link("assessments:email_reminders"),
    }
    return render_message(
        Email.Purpose.GROUP_REMINDER,
        {**fields, "has_draft": has_draft},
        user=user,
        notify_personalisation={**fields, "started": "yes" if has_draft else "no"},
    )
