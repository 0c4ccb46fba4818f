"""
A group's emails: members are emailed once when added, an officer reminds those who have not
submitted (a count first, not twice within a day), and `send_reminders` reminds them two days
before the answers deadline. Emails are sent by the real task (`run_tasks`) and read back from
the test mailer's outbox (or the loopback SMTP server's inbox).
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments import emails, groups, reminders
from assessments.models import Assessment, CouncillorGroup, Email, User
from tests.builders import make_user, submit
from tests.email_helpers import text_of

Purpose, State = Email.Purpose, Email.State


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def group(checklist, council, officer) -> CouncillorGroup:
    return groups.group_create(
        council=council,
        name="Cabinet",
        facilitator=officer,
        meeting_date=days(20),
        answers_due=days(10),
    )


def members_url(group) -> str:
    return reverse("assessments:group_members", args=[group.pk])


def remind_url(group) -> str:
    return reverse("assessments:group_remind_members", args=[group.pk])


def send_reminders(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


# --- Added to a group ------------------------------------------------------------------------


def test_a_member_added_gets_one_email_saying_what_the_group_is_and_who_sees_what(
    client, group, officer, councillor, run_tasks, settings
):
    client.force_login(officer)

    client.post(members_url(group), {"members": [councillor.pk]})
    run_tasks()

    [message] = mail.outbox
    assert message.to == [councillor.email]
    assert message.subject == "You have been added to Cabinet at Northshire County Council"
    body = message.body
    assert f"Meeting: {days(20):%-d %B %Y}" in body
    assert f"Answers due: {days(10):%-d %B %Y}" in body
    assert "Facilitator: Jo Williams" in body
    assert "Your answers are private" in body
    assert f"only once at least {settings.GROUP_MIN_RESPONSES} members have submitted" in body
    assert settings.SITE_URL + reverse("assessments:dashboard") in body
    assert "You have not set up your account yet" not in body
    html = message.alternatives[0].content
    assert f'href="{settings.SITE_URL}{reverse("assessments:dashboard")}"' in html
    email = Email.objects.get()
    assert (email.purpose, email.group, email.key, email.state) == (
        Purpose.GROUP_ADDED,
        group,
        f"group-added:{group.pk}:{councillor.pk}",
        State.SENT,
    )


def test_the_email_goes_by_smtp_too(group, councillor, run_tasks, smtp_inbox):
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()

    [message] = smtp_inbox.messages
    assert message["To"] == councillor.email
    assert "Answers due" in text_of(message)


def test_a_double_click_or_adding_someone_back_never_emails_twice(
    client, group, officer, councillor, run_tasks
):
    client.force_login(officer)

    client.post(members_url(group), {"members": [councillor.pk]})
    client.post(members_url(group), {"members": [councillor.pk]})  # the second click
    groups.group_remove_member(group=group, user=councillor)
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()

    assert len(mail.outbox) == 1
    assert Email.objects.filter(purpose=Purpose.GROUP_ADDED).count() == 1


def test_a_key_already_used_queues_nothing_and_adds_the_member(group, councillor):
    """The race: another request queued the email a moment ago; the database's unique key
    decides, and this request still adds the member."""
    Email.objects.create(
        purpose=Purpose.GROUP_ADDED,
        user=councillor,
        group=group,
        key=groups.group_added_key(group, councillor),
    )

    assert groups.group_add_members(group=group, users=[councillor]) == [councillor]
    assert Email.objects.count() == 1
    assert group.memberships.filter(user=councillor).exists()


def test_someone_whose_invitation_is_not_accepted_is_told_to_accept_it_first(
    group, council, run_tasks
):
    invited = make_user(email="new@example.org", full_name="New Person", council=council)
    User.objects.filter(pk=invited.pk).update(is_active=False)
    invited.refresh_from_db()

    groups.group_add_members(group=group, users=[invited])
    run_tasks()

    [message] = mail.outbox
    assert "You have not set up your account yet" in message.body


def test_a_member_removed_before_the_email_went_is_not_sent_it(group, councillor, run_tasks):
    groups.group_add_members(group=group, users=[councillor])
    groups.group_remove_member(group=group, user=councillor)
    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get().state == State.CANCELLED


def test_a_group_without_dates_says_nothing_of_them(checklist, council, councillor, run_tasks):
    plain = groups.group_create(council=council, name="Scrutiny")

    groups.group_add_members(group=plain, users=[councillor])
    run_tasks()

    body = mail.outbox[0].body
    assert "Meeting:" not in body and "Answers due" not in body and "Facilitator" not in body


# --- The officer's "Remind members" ----------------------------------------------------------


@pytest.fixture
def mixed_group(group, council, checklist, councillor, second_councillor, run_tasks):
    """Members: two to remind (one with a draft for the group), one submitted, one with
    reminders off, one invited and not accepted."""
    done = make_user(email="done@example.org", full_name="Done", council=council)
    off = make_user(
        email="off@example.org", full_name="Off", council=council, reminders_enabled=False
    )
    invited = make_user(email="invited@example.org", full_name="Invited", council=council)
    User.objects.filter(pk=invited.pk).update(is_active=False)
    everyone = [councillor, second_councillor, done, off, invited]
    groups.group_add_members(
        group=group, users=list(User.objects.filter(pk__in=[u.pk for u in everyone]))
    )
    submit(done, checklist, {}, group=group)
    Assessment.objects.create(owner=second_councillor, checklist=checklist, group=group)
    run_tasks()  # the members' "you were added" emails, out of the way first
    mail.outbox.clear()
    return {"remind": [councillor, second_councillor], "done": done}


def test_the_page_shows_the_count_first_and_sends_nothing(
    client, group, officer, mixed_group, django_assert_num_queries
):
    client.force_login(officer)

    # The session and user, the group, the members not submitted, the last reminder.
    with django_assert_num_queries(5):
        response = client.get(remind_url(group))

    plan = response.context["plan"]
    assert {u.pk for u in plan.to_remind} == {u.pk for u in mixed_group["remind"]}
    assert (plan.count, plan.reminders_off, plan.not_accepted, plan.recently_reminded) == (
        2,
        1,
        1,
        0,
    )
    assert "Send a reminder to 2 members who have not submitted" in response.text
    assert not Email.objects.filter(purpose=Purpose.GROUP_REMINDER)


def test_the_page_keeps_its_queries_with_many_members(
    client, group, officer, council, django_assert_num_queries
):
    many = [
        make_user(email=f"m{i}@example.org", full_name=f"M {i}", council=council) for i in range(30)
    ]
    groups.group_add_members(group=group, users=many)
    client.force_login(officer)

    with django_assert_num_queries(5):
        assert client.get(remind_url(group)).context["plan"].count == 30


def test_the_count_shown_is_the_number_of_reminders_sent(
    client, group, officer, mixed_group, run_tasks, settings
):
    client.force_login(officer)
    shown = client.get(remind_url(group)).context["plan"].count

    response = client.post(remind_url(group), follow=True)
    run_tasks()

    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in mixed_group["remind"])
    assert len(mail.outbox) == shown
    assert f"Reminders are on their way to {shown} members" in response.text
    message = next(m for m in mail.outbox if m.to == ["sam.councillor@example.org"])
    assert message.subject == f"Reminder: your answers for Cabinet are due by {days(10):%-d %B %Y}"
    assert "your answers so far are saved" in message.body  # a draft for the group
    assert settings.SITE_URL + reverse("assessments:email_reminders") in message.body


def test_nobody_is_reminded_twice_within_a_day(client, group, officer, mixed_group, run_tasks):
    client.force_login(officer)
    client.post(remind_url(group))

    again = client.get(remind_url(group))
    response = client.post(remind_url(group), follow=True)
    run_tasks()

    assert again.context["plan"].count == 0
    assert again.context["plan"].recently_reminded == 2
    assert "A reminder was last sent on" in again.text
    assert "Nobody was sent a reminder" in response.text
    assert len(mail.outbox) == 2


def test_a_reminder_key_already_used_today_queues_nothing(group, councillor):
    """The keys hold even where the 24-hour check is passed (two rounds racing)."""
    groups.group_add_members(group=group, users=[councillor])
    today = timezone.now().astimezone(reminders.UTC).date()
    Email.objects.create(
        purpose=Purpose.GROUP_REMINDER,
        user=councillor,
        group=group,
        key=reminders.group_reminder_key(group, councillor, today),
    )
    Email.objects.filter(purpose=Purpose.GROUP_REMINDER).update(
        created_at=timezone.now() - timedelta(hours=30)
    )

    assert reminders.group_reminders_send(group=group) == 0


@pytest.mark.django_db(transaction=True)
def test_two_rounds_at_once_send_one_email_per_member(checklist, council, councillor):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite takes one writer at a time: the race cannot happen there")
    group = groups.group_create(council=council, name="Cabinet")
    groups.group_add_members(group=group, users=[councillor])
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def send() -> None:
        try:
            barrier.wait()
            sent.append(reminders.group_reminders_send(group=group))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(sent) == [0, 1]


def test_a_member_who_submits_or_turns_reminders_off_before_it_goes_is_not_sent_it(
    group, checklist, councillor, second_councillor, run_tasks
):
    groups.group_add_members(group=group, users=[councillor, second_councillor])
    run_tasks()
    mail.outbox.clear()
    reminders.group_reminders_send(group=group)
    submit(councillor, checklist, {}, group=group)
    User.objects.filter(pk=second_councillor.pk).update(reminders_enabled=False)

    run_tasks()

    assert mail.outbox == []
    assert set(
        Email.objects.filter(purpose=Purpose.GROUP_REMINDER).values_list("state", flat=True)
    ) == {State.CANCELLED}


def test_a_member_removed_before_the_reminder_went_is_not_sent_it(group, councillor, run_tasks):
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()
    mail.outbox.clear()
    reminders.group_reminders_send(group=group)
    groups.group_remove_member(group=group, user=councillor)

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get(purpose=Purpose.GROUP_REMINDER).state == State.CANCELLED


def test_a_group_no_longer_collecting_has_nobody_to_remind(
    client, group, officer, councillor, run_tasks
):
    groups.group_add_members(group=group, users=[councillor])
    reminders.group_reminders_send(group=group)
    CouncillorGroup.objects.filter(pk=group.pk).update(status=CouncillorGroup.Status.CLOSED)
    run_tasks()  # the queued reminder finds the group closed
    client.force_login(officer)

    page = client.get(remind_url(group))
    response = client.post(remind_url(group))

    assert page.context["plan"].count == 0
    assert "no longer collecting answers" in page.text
    assert response.status_code == 302
    assert not [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_another_councils_officer_cannot_see_or_send_reminders(
    client, group, other_officer, councillor
):
    groups.group_add_members(group=group, users=[councillor])
    client.force_login(other_officer)

    assert client.get(remind_url(group)).status_code == 404
    assert client.post(remind_url(group)).status_code == 404
    assert not Email.objects.filter(purpose=Purpose.GROUP_REMINDER)


def test_a_member_cannot_send_reminders(client, group, councillor):
    groups.group_add_members(group=group, users=[councillor])
    client.force_login(councillor)

    assert client.post(remind_url(group)).status_code == 403
    assert not Email.objects.filter(purpose=Purpose.GROUP_REMINDER)


# --- Two days before the deadline (`send_reminders`) -----------------------------------------


def test_members_are_reminded_two_days_before_the_deadline_once(
    group, councillor, second_councillor, checklist, run_tasks
):
    groups.group_add_members(group=group, users=[councillor, second_councillor])
    submit(second_councillor, checklist, {}, group=group)
    run_tasks()
    mail.outbox.clear()
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(3))

    assert send_reminders().endswith("Queued 0 group deadline reminders.\n")  # 3 days: not yet
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(2))
    assert send_reminders("--dry-run").endswith("Would queue 1 group deadline reminder.\n")
    assert not Email.objects.filter(purpose=Purpose.GROUP_REMINDER)
    assert send_reminders().endswith("Queued 1 group deadline reminder.\n")
    assert send_reminders().endswith("Queued 0 group deadline reminders.\n")  # once
    run_tasks()

    [message] = mail.outbox
    assert message.to == [councillor.email]
    assert f"due by {days(2):%-d %B %Y}" in message.body
    assert Email.objects.get(purpose=Purpose.GROUP_REMINDER).key == (
        f"group-deadline-reminder:{group.pk}:{councillor.pk}:{days(2).isoformat()}"
    )


def test_a_run_missed_catches_up_on_the_deadline_day(group, councillor):
    groups.group_add_members(group=group, users=[councillor])
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(0))

    assert send_reminders().endswith("Queued 1 group deadline reminder.\n")


def test_a_changed_deadline_reminds_again_and_cancels_the_old_one(group, councillor, run_tasks):
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()
    mail.outbox.clear()
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(1))
    send_reminders()
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(2))
    run_tasks()  # the first reminder is for a deadline that moved: cancelled
    # A day later: the officer's 24-hour gap has passed.
    Email.objects.filter(purpose=Purpose.GROUP_REMINDER).update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert send_reminders().endswith("Queued 1 group deadline reminder.\n")
    run_tasks()
    assert len(mail.outbox) == 1 and f"due by {days(2):%-d %B %Y}" in mail.outbox[0].body
    states = Email.objects.filter(purpose=Purpose.GROUP_REMINDER).values_list("state", flat=True)
    assert sorted(states) == sorted([State.CANCELLED, State.SENT])


def test_the_command_respects_reminders_off_and_a_recent_officers_reminder(
    group, councillor, second_councillor
):
    User.objects.filter(pk=councillor.pk).update(reminders_enabled=False)
    groups.group_add_members(
        group=group, users=list(User.objects.filter(pk__in=[councillor.pk, second_councillor.pk]))
    )
    reminders.group_reminders_send(group=group)  # the officer reminded Sam today
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(1))

    assert send_reminders().endswith("Queued 0 group deadline reminders.\n")


def test_the_command_leaves_groups_no_longer_collecting_alone(group, councillor):
    groups.group_add_members(group=group, users=[councillor])
    CouncillorGroup.objects.filter(pk=group.pk).update(
        answers_due=days(1), status=CouncillorGroup.Status.DISCUSSION
    )

    assert send_reminders().endswith("Queued 0 group deadline reminders.\n")


def test_a_deadline_reminder_not_sent_before_the_deadline_passed_is_cancelled(
    group, councillor, run_tasks
):
    groups.group_add_members(group=group, users=[councillor])
    run_tasks()
    mail.outbox.clear()
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(0))
    send_reminders()
    # The worker was down until the day after; the deadline's date has not changed.
    Email.objects.filter(purpose=Purpose.GROUP_REMINDER).update(
        key=f"group-deadline-reminder:{group.pk}:{councillor.pk}:{days(-1).isoformat()}"
    )
    CouncillorGroup.objects.filter(pk=group.pk).update(answers_due=days(-1))

    run_tasks()

    assert mail.outbox == []


# --- Both builders ---------------------------------------------------------------------------


def test_both_group_emails_have_a_builder_the_worker_registers():
    assert {Purpose.GROUP_ADDED, Purpose.GROUP_REMINDER} <= set(emails.MESSAGES)


def test_notify_gets_every_field_as_a_string(group, councillor):
    groups.group_add_members(group=group, users=[councillor])
    reminders.group_reminders_send(group=group)

    for email in Email.objects.select_related("user"):
        message = emails.MESSAGES[Purpose(email.purpose)](email)
        assert message is not None
        fields = message.notify_personalisation
        assert all(isinstance(value, str) for value in fields.values()), email.purpose
        assert fields["group"] == "Cabinet" and fields["answers_due"] == f"{days(10):%-d %B %Y}"
