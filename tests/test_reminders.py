"""
Reminders: a person's own choice of them, an officer's "Remind councillors" (a count first, not
twice within a day), and a next step's reminder with its calendar file, queued by the daily
`send_reminders` command. Emails are sent by the real task (`run_tasks`) to the tests' mailer.
"""

import re
import threading
from datetime import timedelta
from io import StringIO

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments import data_rights, emails, invitations, reminders
from assessments.management.commands.send_reminders import Command as SendReminders
from assessments.models import Assessment, Email, Invitation, ReminderRound, User
from tests.builders import add_step, answer_all, make_user, submit

Purpose, State = Email.Purpose, Email.State


def remind_url(council) -> str:
    return reverse("assessments:remind_councillors", args=[council.slug])


def reminders_url() -> str:
    return reverse("assessments:email_reminders")


def text_of(message) -> str:
    return message.body


# --- The person's own choice ---------------------------------------------------------------


def test_a_councillor_sees_reminders_on_to_begin_with(signed_in):
    response = signed_in.get(reminders_url())

    assert response.status_code == 200
    assert "Do you want email reminders?" in response.text
    assert re.search(r'value="yes"[^>]*checked', response.text)
    assert not re.search(r'value="no"[^>]*checked', response.text)


def test_a_councillor_turns_reminders_off_and_sees_it_saved(signed_in, councillor):
    response = signed_in.post(reminders_url(), {"reminders": "no"}, follow=True)

    councillor.refresh_from_db()
    assert councillor.reminders_enabled is False
    assert "govuk-notification-banner--success" in response.text
    assert "You will not get email reminders" in response.text
    assert response.context["form"]["reminders"].value() == "no"


def test_a_councillor_turns_reminders_back_on(signed_in, councillor):
    User.objects.filter(pk=councillor.pk).update(reminders_enabled=False)

    signed_in.post(reminders_url(), {"reminders": "yes"})

    councillor.refresh_from_db()
    assert councillor.reminders_enabled is True


def test_choosing_neither_is_refused_with_a_plain_message(signed_in, councillor):
    response = signed_in.post(reminders_url(), {})

    assert response.status_code == 200
    assert "Select yes if you want email reminders" in response.text
    councillor.refresh_from_db()
    assert councillor.reminders_enabled is True


@pytest.mark.parametrize("persona", ["officer", "admin_user"])
def test_officers_and_admins_get_no_reminders_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reminders_url()).status_code == 403
    assert client.post(reminders_url(), {"reminders": "no"}).status_code == 403


def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in(client, db):
    response = client.get(reminders_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("assessments:sign_in"))


def test_a_councillors_footer_and_data_page_link_to_their_reminders(signed_in, client):
    page = signed_in.get(reverse("assessments:your_data")).text

    assert page.count(f'href="{reminders_url()}"') == 2  # the footer, and the page itself


def test_an_officers_footer_has_no_reminders_link(client, officer):
    client.force_login(officer)

    assert f'href="{reminders_url()}"' not in client.get(reverse("assessments:your_data")).text


def test_a_persons_data_download_says_whether_their_reminders_are_on(councillor):
    User.objects.filter(pk=councillor.pk).update(reminders_enabled=False)
    councillor.refresh_from_db()

    assert data_rights.account_data(councillor)["account"]["reminders_enabled"] is False


# --- Reminding a council's councillors -----------------------------------------------------


def invite(council, name, email) -> Invitation:
    return invitations.invitation_create(
        council=council, full_name=name, email=email, invited_by=None
    )


@pytest.fixture
def mixed_council(council, checklist, councillor) -> dict[str, list[User]]:
    """
    The council's councillors by what a round does with them: 6 to remind (2 with an account
    only, 1 signed in, 2 with a draft, 1 who submitted before and has a new draft), 1 with
    reminders off, 2 submitted, 3 invited and not accepted (2 pending, 1 expired), 1 revoked
    and 1 whose account was switched off. `councillor` (the cast's) is one of those to remind.
    """
    people: dict[str, list[User]] = {k: [] for k in ("remind", "off", "done", "invited", "never")}

    def person(kind: str, n: int) -> User:
        user = make_user(
            email=f"{kind}{n}@example.org", full_name=f"{kind.title()} {n}", council=council
        )
        people[kind].append(user)
        return user

    people["remind"].append(councillor)
    person("remind", 1)
    person("remind", 2).last_login = timezone.now()
    User.objects.filter(email="remind2@example.org").update(last_login=timezone.now())
    for n in (3, 4):
        Assessment.objects.create(owner=person("remind", n), checklist=checklist)
    again = person("remind", 5)
    submit(again, checklist)
    Assessment.objects.create(owner=again, checklist=checklist)
    User.objects.filter(pk=person("off", 1).pk).update(reminders_enabled=False)
    for n in (1, 2):
        submit(person("done", n), checklist)
    for n in (1, 2, 3):
        people["invited"].append(invite(council, f"Invited {n}", f"invited{n}@example.org").user)
    Invitation.objects.filter(user=people["invited"][2]).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    revoked = invite(council, "Revoked", "revoked@example.org")
    invitations.invitation_revoke(invitation=revoked)
    switched_off = invite(council, "Switched off", "off@example.org")
    Invitation.objects.filter(pk=switched_off.pk).update(accepted_at=timezone.now())
    people["never"] += [revoked.user, switched_off.user]
    return people


def test_the_council_dashboard_offers_to_remind_councillors(client, officer, council):
    client.force_login(officer)

    page = client.get(reverse("assessments:council_dashboard", args=[council.slug])).text

    assert f'href="{remind_url(council)}"' in page
    assert "Remind councillors" in page


def test_the_page_counts_who_has_not_started_or_not_submitted_before_sending(
    client, officer, council, mixed_council
):
    client.force_login(officer)

    response = client.get(remind_url(council))

    plan = response.context["plan"]
    assert {u.pk for u in plan.to_remind} == {u.pk for u in mixed_council["remind"]}
    assert (plan.count, plan.reminders_off, plan.not_accepted, plan.recently_reminded) == (
        6,
        1,
        3,
        0,
    )
    page = response.text
    assert (
        "Send a reminder to 6 councillors who have not started or not submitted their assessment"
        in page
    )
    assert "Send again" in page  # what to do for those invited instead
    assert not Email.objects.filter(purpose=Purpose.COMPLETION_REMINDER)  # nothing by looking


def test_the_count_shown_is_the_number_of_emails_sent(
    client, officer, council, mixed_council, run_tasks, settings
):
    client.force_login(officer)
    run_tasks()  # the invited people's own invitation emails, out of the way first
    mail.outbox.clear()
    shown = client.get(remind_url(council)).context["plan"].count

    response = client.post(remind_url(council), follow=True)
    run_tasks()

    assert Email.objects.filter(purpose=Purpose.COMPLETION_REMINDER).count() == shown
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in mixed_council["remind"])
    assert f"Reminders are on their way to {shown} councillors" in response.text
    round_ = ReminderRound.objects.get()
    assert (round_.council, round_.sent_by, round_.recipients) == (council, officer, shown)
    message = next(m for m in mail.outbox if m.to == ["remind3@example.org"])
    assert "finish your" in message.subject  # a draft: finish, not start
    assert settings.SITE_URL + reverse("assessments:dashboard") in text_of(message)
    assert settings.SITE_URL + reminders_url() in text_of(message)
    html = message.alternatives[0].content
    assert f'href="{settings.SITE_URL}{reminders_url()}"' in html


def test_nobody_is_reminded_twice_within_a_day(client, officer, council, mixed_council, run_tasks):
    client.force_login(officer)
    run_tasks()  # the invited people's own invitation emails, out of the way first
    mail.outbox.clear()
    client.post(remind_url(council))

    again = client.get(remind_url(council))
    response = client.post(remind_url(council), follow=True)
    run_tasks()

    assert again.context["plan"].count == 0
    assert again.context["plan"].recently_reminded == 6
    assert "There is nobody to remind at the moment." in again.text
    assert "Nobody was sent a reminder" in response.text
    assert len(mail.outbox) == 6
    assert ReminderRound.objects.count() == 1  # an empty round is not recorded


def test_a_person_reminded_more_than_24_hours_ago_is_counted_again(
    client, officer, council, councillor, run_tasks
):
    client.force_login(officer)
    client.post(remind_url(council))
    # As if that was yesterday: its time, and the day in its key.
    yesterday = timezone.now() - timedelta(hours=25)
    Email.objects.update(
        created_at=yesterday,
        key=reminders.completion_reminder_key(councillor, yesterday.date()),
    )

    assert client.get(remind_url(council)).context["plan"].count == 1
    client.post(remind_url(council))
    run_tasks()

    assert Email.objects.filter(user=councillor).count() == 2


def test_a_reminder_key_already_used_today_queues_nothing(council, councillor, officer):
    """The keys hold even where the 24-hour check is passed (two rounds racing)."""
    today = timezone.now().astimezone(reminders.UTC).date()
    Email.objects.create(
        purpose=Purpose.COMPLETION_REMINDER,
        user=councillor,
        key=reminders.completion_reminder_key(councillor, today),
    )
    Email.objects.update(created_at=timezone.now() - timedelta(hours=30))

    assert reminders.completion_reminders_send(council=council, sent_by=officer) == 0
    assert Email.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_rounds_at_once_send_one_email_per_person(checklist, council, officer, councillor):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite takes one writer at a time: the race cannot happen there")
    make_user(email="second@example.org", full_name="Second", council=council)
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def send() -> None:
        try:
            barrier.wait()
            sent.append(reminders.completion_reminders_send(council=council, sent_by=officer))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(sent) == [0, 2]
    assert Email.objects.count() == 2


def test_the_page_says_when_the_council_last_sent_reminders_and_to_how_many(
    client, officer, council, mixed_council
):
    client.force_login(officer)
    client.post(remind_url(council))

    page = client.get(remind_url(council)).text

    sent_at = timezone.localtime(ReminderRound.objects.get().created_at)
    assert f"Reminders were last sent on {sent_at:%-d %B %Y}" in page
    assert "to 6 councillors." in page


def test_reminders_turned_off_after_queueing_are_not_sent(
    client, officer, council, councillor, run_tasks
):
    client.force_login(officer)
    client.post(remind_url(council))
    User.objects.filter(pk=councillor.pk).update(reminders_enabled=False)

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get().state == State.CANCELLED


def test_a_reminder_for_an_assessment_submitted_meanwhile_is_not_sent(
    client, officer, council, councillor, checklist, run_tasks
):
    client.force_login(officer)
    client.post(remind_url(council))
    submit(councillor, checklist)

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get().state == State.CANCELLED


def test_an_admin_can_remind_any_councils_councillors(client, admin_user, other_councillor):
    client.force_login(admin_user)

    client.post(remind_url(other_councillor.council))

    assert Email.objects.get().user == other_councillor


def test_an_officer_of_another_council_gets_not_found_and_sends_nothing(
    client, other_officer, council, councillor
):
    client.force_login(other_officer)

    assert client.get(remind_url(council)).status_code == 404
    assert client.post(remind_url(council)).status_code == 404
    assert Email.objects.count() == 0


def test_councillors_cannot_remind_anyone(client, councillor, council):
    client.force_login(councillor)

    assert client.get(remind_url(council)).status_code == 403
    assert client.post(remind_url(council)).status_code == 403
    assert Email.objects.count() == 0


def test_a_visitor_who_is_not_signed_in_cannot_remind_anyone(client, council, councillor):
    assert client.get(remind_url(council)).status_code == 302
    assert client.post(remind_url(council)).status_code == 302
    assert Email.objects.count() == 0


def test_the_reminder_page_runs_a_fixed_number_of_queries(
    client, officer, council, checklist, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            user = make_user(email=f"c{n}-{i}@example.org", full_name=f"C {n} {i}", council=council)
            if i % 3 == 0:
                submit(user, checklist)
            elif i % 3 == 1:
                Assessment.objects.create(owner=user, checklist=checklist)
            invite(council, f"I {n} {i}", f"i{n}-{i}@example.org")
        reminders.completion_reminders_send(council=council, sent_by=officer)
        Email.objects.update(created_at=timezone.now() - timedelta(hours=1))

    client.force_login(officer)
    add(3)
    # Session, user, council; councillors, invitations, their emails, assessments (the
    # dashboard's); the reminders of the last day; the last round.
    with django_assert_num_queries(9):
        client.get(remind_url(council))
    add(30)
    with django_assert_num_queries(9):
        response = client.get(remind_url(council))
    assert response.context["plan"].recently_reminded == 22


# --- Next steps coming due -----------------------------------------------------------------


@pytest.fixture
def step(submitted):
    return add_step(
        submitted,
        "devote-resources",
        what="Ask cabinet for an innovation fund",
        lead="The leader",
        reported_to="Cabinet, in March",
        due_date=timezone.localdate() + timedelta(days=7),
    )


def send_reminders(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_the_command_says_what_it_does():
    assert "once a day" in SendReminders.help
    assert "--dry-run" in SendReminders.help


def test_a_step_due_in_seven_days_gets_one_reminder_with_its_calendar_file(
    step, councillor, run_tasks, settings
):
    assert send_reminders() == "Queued 1 next-step reminder.\nQueued 0 group deadline reminders.\n"
    run_tasks()

    (message,) = mail.outbox
    assert message.to == [councillor.email]
    assert "Ask cabinet for an innovation fund" in text_of(message)
    assert settings.SITE_URL + reminders_url() in text_of(message)
    ((filename, content, mimetype),) = message.attachments
    assert filename == f"step-reminder-{step.due_date:%Y-%m-%d}.ics"
    assert mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(content)
    assert calendar["PRODID"] and calendar["VERSION"] == "2.0"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == step.due_date  # a date: all day
    assert event.decoded("DTEND") == step.due_date + timedelta(days=1)
    assert str(event["SUMMARY"]) == "Ask cabinet for an innovation fund"
    assert "Who leads it: The leader" in str(event["DESCRIPTION"])
    assert "Where progress will be reported: Cabinet, in March" in str(event["DESCRIPTION"])
    assert event["UID"] == f"next-step-{step.pk}@127.0.0.1"
    assert event.decoded("DTSTAMP")
    assert Email.objects.get().state == State.SENT


def test_the_command_run_twice_the_same_day_sends_one_email(step, run_tasks):
    send_reminders()
    run_tasks()

    assert send_reminders() == "Queued 0 next-step reminders.\nQueued 0 group deadline reminders.\n"
    run_tasks()

    assert len(mail.outbox) == 1


def test_a_dry_run_counts_and_queues_nothing(step):
    assert (
        send_reminders("--dry-run")
        == "Would queue 1 next-step reminder.\nWould queue 0 group deadline reminders.\n"
    )

    assert Email.objects.count() == 0


@pytest.mark.parametrize(
    ("days_ahead", "reminded"),
    [(-1, False), (0, True), (3, True), (7, True), (8, False), (None, False)],
)
def test_steps_are_reminded_from_the_day_they_are_due_to_seven_days_before(
    submitted, days_ahead, reminded
):
    """A daily run missed is caught up: any day of the window counts, not only the seventh."""
    today = timezone.localdate()
    add_step(
        submitted,
        "devote-resources",
        what="Something",
        due_date=None if days_ahead is None else today + timedelta(days=days_ahead),
    )

    assert reminders.step_reminders_queue(today=today) == int(reminded)


def test_a_step_given_a_new_due_date_is_reminded_again(step, run_tasks):
    send_reminders()
    run_tasks()
    step.due_date = timezone.localdate() + timedelta(days=3)
    step.save()

    assert send_reminders() == "Queued 1 next-step reminder.\nQueued 0 group deadline reminders.\n"
    run_tasks()

    assert len(mail.outbox) == 2


def test_a_step_whose_date_moved_after_queueing_is_not_sent_for_the_old_date(step, run_tasks):
    send_reminders()
    step.due_date = timezone.localdate() + timedelta(days=30)
    step.save()

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get().state == State.CANCELLED


def test_a_person_with_reminders_off_gets_no_step_reminder(step, councillor):
    User.objects.filter(pk=councillor.pk).update(reminders_enabled=False)

    assert send_reminders() == "Queued 0 next-step reminders.\nQueued 0 group deadline reminders.\n"


def test_a_step_reminder_is_not_sent_if_reminders_were_turned_off_after_queueing(
    step, councillor, run_tasks
):
    send_reminders()
    User.objects.filter(pk=councillor.pk).update(reminders_enabled=False)

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get().state == State.CANCELLED


def test_a_deactivated_persons_steps_are_not_reminded(step, councillor):
    User.objects.filter(pk=councillor.pk).update(is_active=False)

    assert send_reminders() == "Queued 0 next-step reminders.\nQueued 0 group deadline reminders.\n"


@pytest.mark.parametrize("deleted", ["assessment", "person"])
def test_a_step_reminder_for_a_deleted_assessment_or_person_ends_quietly(
    step, submitted, councillor, run_tasks, deleted
):
    send_reminders()
    (submitted if deleted == "assessment" else councillor).delete()

    run_tasks()  # fails the test on any traceback

    assert mail.outbox == []
    assert Email.objects.count() == 0


def test_with_notify_the_calendar_file_is_offered_as_a_link(step, settings):
    """GOV.UK Notify attaches nothing, so the builder gives it a link to the download."""
    send_reminders()

    message = reminders.step_reminder_message(Email.objects.select_related("user").get())

    assert message is not None
    link = settings.SITE_URL + reverse("assessments:action_step_calendar", args=[step.pk])
    assert message.notify_personalisation["calendar_link"] == link
    assert all(isinstance(value, str) for value in message.notify_personalisation.values())
    assert message.notify_personalisation["due_date"] == f"{step.due_date:%-d %B %Y}"


def test_the_owner_downloads_the_steps_calendar_file(signed_in, step, run_tasks):
    response = signed_in.get(reverse("assessments:action_step_calendar", args=[step.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        f'filename="step-reminder-{step.due_date:%Y-%m-%d}.ics"' in response["Content-Disposition"]
    )
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("DTSTART") == step.due_date
    # The same event as the email's file, so a calendar given both keeps one.
    send_reminders()
    run_tasks()
    (emailed,) = icalendar.Calendar.from_ical(mail.outbox[0].attachments[0][1]).walk("VEVENT")
    assert emailed["UID"] == event["UID"]


@pytest.mark.parametrize("persona", ["second_councillor", "officer", "admin_user"])
def test_anyone_else_gets_not_found_for_a_steps_calendar_file(client, request, step, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("assessments:action_step_calendar", args=[step.pk]))

    assert response.status_code == 404


def test_a_step_with_no_due_date_has_no_calendar_file(signed_in, step):
    step.due_date = None
    step.save()

    response = signed_in.get(reverse("assessments:action_step_calendar", args=[step.pk]))

    assert response.status_code == 404


def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in_for_a_calendar_file(client, step):
    response = client.get(reverse("assessments:action_step_calendar", args=[step.pk]))

    assert response.status_code == 302


def test_a_step_reminder_queued_but_not_sent_before_its_day_is_not_sent_late(
    submitted, councillor, run_tasks
):
    past = add_step(
        submitted, "devote-resources", what="Late", due_date=timezone.localdate() - timedelta(1)
    )
    # As if queued while it was still to come, and the worker was down since.
    emails.email_queue(
        purpose=Purpose.STEP_REMINDER,
        user=councillor,
        key=reminders.step_reminder_key(past),
        action_step=past,
    )

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get().state == State.CANCELLED


def test_a_step_reminder_goes_only_to_the_steps_owner(step, second_councillor, run_tasks):
    emails.email_queue(
        purpose=Purpose.STEP_REMINDER,
        user=second_councillor,
        key=reminders.step_reminder_key(step),
        action_step=step,
    )

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get().state == State.CANCELLED


def test_steps_of_a_draft_are_not_reminded(draft):
    answer_all(draft, default="not-yet")
    add_step(draft, "devote-resources", what="Draft step", due_date=timezone.localdate())

    assert send_reminders() == "Queued 0 next-step reminders.\nQueued 0 group deadline reminders.\n"


@pytest.mark.parametrize("purpose", [Purpose.COMPLETION_REMINDER, Purpose.STEP_REMINDER])
def test_a_reminder_for_an_account_switched_off_after_queueing_is_not_sent(
    client, officer, council, councillor, step, run_tasks, purpose
):
    if purpose == Purpose.COMPLETION_REMINDER:
        Assessment.objects.filter(owner=councillor).delete()
        client.force_login(officer)
        client.post(remind_url(council))
    else:
        send_reminders()
    User.objects.filter(pk=councillor.pk).update(is_active=False)

    run_tasks()

    assert mail.outbox == []
    assert Email.objects.get(purpose=purpose).state == State.CANCELLED
