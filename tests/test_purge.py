"""The purge command: what is older than the retention period goes; nothing goes on a dry run."""

import datetime
import re
from collections import Counter
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import call_command
from django.utils import timezone

from assessments.models import (
    Answer,
    Assessment,
    CouncillorGroup,
    Email,
    GroupMembership,
    Invitation,
    User,
)
from tests.builders import add_step, answer_all, make_user, submit

RETENTION_DAYS = 365
LONG_AGO = timezone.now() - datetime.timedelta(days=RETENTION_DAYS + 30)
RECENTLY = timezone.now() - datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.DATA_RETENTION_DAYS = RETENTION_DAYS


def age(model, pk, **fields):
    """Backdate auto_now fields, which save() would overwrite."""
    model.objects.filter(pk=pk).update(**fields)


@pytest.fixture
def world(checklist, council, councillor, officer, admin_user):
    """
    gone:   a councillor last signed in long ago, with a submitted assessment (and a next step),
            a group place and their invitation;
    stays:  a councillor signed in recently, with one old and one recent submitted assessment,
            and an old abandoned draft;
    admin:  an admin last signed in long ago (kept: admins are removed by hand).
    """
    gone = make_user(email="gone@example.org", full_name="Gone Away", council=council)
    age(User, gone.pk, last_login=LONG_AGO, date_joined=LONG_AGO)
    gone_assessment = submit(gone, checklist, {"persist": "not-yet"}, submitted_at=LONG_AGO)
    add_step(gone_assessment, "persist", what="Keep going")
    # Accepted long ago, but its link expires only later: it goes with the account.
    Invitation.objects.create(
        user=gone,
        invited_by=officer,
        token_hash="c" * 64,
        expires_at=RECENTLY,
        accepted_at=LONG_AGO,
    )
    group = CouncillorGroup.objects.create(council=council, name="Cabinet", checklist=checklist)
    GroupMembership.objects.create(group=group, user=gone)
    GroupMembership.objects.create(group=group, user=councillor)

    age(User, councillor.pk, last_login=RECENTLY, date_joined=LONG_AGO)
    old = submit(councillor, checklist, submitted_at=LONG_AGO)
    recent = submit(councillor, checklist, submitted_at=RECENTLY)
    draft = Assessment.objects.create(owner=councillor, checklist=checklist, previous=recent)
    answer_all(draft)
    age(Assessment, draft.pk, updated_at=LONG_AGO)

    age(User, admin_user.pk, last_login=LONG_AGO, date_joined=LONG_AGO)
    age(User, officer.pk, last_login=RECENTLY)

    never_accepted = make_user(email="never@example.org", full_name="Never Came", council=council)
    age(User, never_accepted.pk, last_login=None, date_joined=RECENTLY)
    expired_long_ago = Invitation.objects.create(
        user=councillor, invited_by=officer, token_hash="a" * 64, expires_at=LONG_AGO
    )
    expired_recently = Invitation.objects.create(
        user=never_accepted, invited_by=officer, token_hash="b" * 64, expires_at=RECENTLY
    )
    old_attempt = AccessAttempt.objects.create(
        username="x@example.org", ip_address="10.0.0.1", failures_since_start=1
    )
    AccessAttempt.objects.filter(pk=old_attempt.pk).update(attempt_time=LONG_AGO)
    new_log = AccessLog.objects.create(username="y@example.org", ip_address="10.0.0.2")
    return {
        "gone": gone,
        "gone_assessment": gone_assessment,
        "group": group,
        "old": old,
        "recent": recent,
        "draft": draft,
        "never_accepted": never_accepted,
        "expired_long_ago": expired_long_ago,
        "expired_recently": expired_recently,
        "old_attempt": old_attempt,
        "new_log": new_log,
    }


def purge(*args) -> str:
    out = StringIO()
    call_command("purge", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, set]:
    return {
        "users": set(User.objects.values_list("pk", flat=True)),
        "assessments": set(Assessment.objects.values_list("pk", flat=True)),
        "answers": set(Answer.objects.values_list("pk", flat=True)),
        "invitations": set(Invitation.objects.values_list("pk", flat=True)),
        "memberships": set(GroupMembership.objects.values_list("pk", flat=True)),
        "attempts": set(AccessAttempt.objects.values_list("pk", flat=True)),
    }


def test_a_dry_run_is_the_default_and_changes_nothing(world):
    before = snapshot()

    output = purge()

    assert snapshot() == before
    assert "Would delete 1 accounts" in output
    # The gone councillor's assessment and the active one's old one.
    assert "Would delete 2 submitted assessments" in output
    assert "Would delete 1 draft assessments" in output
    assert "Would delete 60 answers" in output
    assert "Would delete 1 next steps" in output
    assert "Would delete 1 group memberships" in output
    # The one expired long ago, and the gone councillor's.
    assert "Would delete 2 invitations" in output
    assert "Would delete 1 sign-in records" in output
    assert "Dry run: nothing was deleted" in output


def test_apply_deletes_what_is_past_retention_and_keeps_the_rest(world, councillor, admin_user):
    output = purge("--apply")

    assert "Deleted 1 accounts" in output
    assert "Deleted 2 submitted assessments" in output
    # The long-gone councillor, with their assessment, answers and group place.
    assert not User.objects.filter(pk=world["gone"].pk).exists()
    assert not Assessment.objects.filter(pk=world["gone_assessment"].pk).exists()
    assert not Answer.objects.filter(assessment_id=world["gone_assessment"].pk).exists()
    assert list(GroupMembership.objects.values_list("user_id", flat=True)) == [councillor.pk]
    assert CouncillorGroup.objects.filter(pk=world["group"].pk).exists()
    # The active councillor keeps their account and recent report, not the old ones.
    assert User.objects.filter(pk=councillor.pk).exists()
    assert set(Assessment.objects.filter(owner=councillor).values_list("pk", flat=True)) == {
        world["recent"].pk
    }
    # Admins, and accounts invited recently, stay.
    assert User.objects.filter(pk=admin_user.pk).exists()
    assert User.objects.filter(pk=world["never_accepted"].pk).exists()
    # Invitation links that expired long ago go; recent ones stay.
    assert set(Invitation.objects.values_list("pk", flat=True)) == {world["expired_recently"].pk}
    # Old sign-in attempts go; recent ones stay.
    assert not AccessAttempt.objects.filter(pk=world["old_attempt"].pk).exists()
    assert AccessLog.objects.filter(pk=world["new_log"].pk).exists()


def test_a_second_run_finds_nothing_left(world):
    purge("--apply")

    output = purge()

    assert "Would delete 0 accounts" in output
    assert "Would delete 0 submitted assessments" in output
    assert "Would delete 0 invitations" in output


def test_an_account_never_signed_in_to_goes_once_it_was_created_before_the_cutoff(db, council):
    invited = make_user(email="old-invite@example.org", full_name="Old Invite", council=council)
    age(User, invited.pk, last_login=None, date_joined=LONG_AGO)

    purge("--apply")

    assert not User.objects.filter(pk=invited.pk).exists()


def test_the_retention_period_comes_from_settings(world, settings):
    settings.DATA_RETENTION_DAYS = 10 * RETENTION_DAYS
    before = snapshot()

    output = purge("--apply")

    assert snapshot() == before
    assert f"Retention period: {10 * RETENTION_DAYS} days" in output


def test_the_output_names_no_one(world):
    output = purge("--apply", "--verbosity", "2")

    assert f"account {world['gone'].pk}:" in output
    assert "gone@example.org" not in output
    assert "Gone Away" not in output


def test_the_command_explains_itself():
    from assessments.management.commands.purge import Command

    assert "DATA_RETENTION_DAYS" in Command.help
    assert "--apply" in Command.help


def test_a_retention_period_below_one_day_is_refused(db, settings):
    from django.core.management.base import CommandError

    settings.DATA_RETENTION_DAYS = 0

    with pytest.raises(CommandError, match="DATA_RETENTION_DAYS"):
        purge("--apply")


# --- The dry run tells the truth -----------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Rows in every table, by model: what changed between two of these was deleted."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def reported(output: str, verb: str) -> dict[str, int]:
    found = re.findall(rf"^{verb} (\d+) (.+)$", output, re.M)
    return {what: int(count) for count, what in found}


def statuses() -> Counter:
    return Counter(Assessment.objects.values_list("status", flat=True))


def test_the_dry_run_reports_every_row_that_apply_deletes(world, checklist):
    # A long-gone councillor with a draft as well, and an admin history entry of theirs.
    gone = world["gone"]
    draft = Assessment.objects.create(owner=gone, checklist=checklist)
    answer_all(draft)
    LogEntry.objects.create(user=gone, action_flag=CHANGE, object_repr="x")
    rows_before, statuses_before = row_counts(), statuses()

    dry_run = reported(purge(), "Would delete")
    assert row_counts() == rows_before
    applied = reported(purge("--apply"), "Deleted")

    assert applied == dry_run
    gone_rows = {
        label: before - row_counts()[label]
        for label, before in rows_before.items()
        if before != row_counts()[label]
    }
    gone_statuses = statuses_before - statuses()
    assert dry_run.pop("submitted assessments") == gone_statuses[Assessment.Status.SUBMITTED]
    assert dry_run.pop("draft assessments") == gone_statuses[Assessment.Status.DRAFT]
    assert gone_rows.pop("assessments.Assessment") == sum(gone_statuses.values())
    sign_in = sum(gone_rows.pop(label, 0) for label in list(gone_rows) if label.startswith("axes."))
    assert dry_run.pop("sign-in records") == sign_in
    by_model = {
        "accounts": "assessments.User",
        "answers": "assessments.Answer",
        "next steps": "assessments.ActionStep",
        "group memberships": "assessments.GroupMembership",
        "invitations": "assessments.Invitation",
        "email records": "assessments.Email",
        "log entries": "admin.LogEntry",
    }
    assert {what: gone_rows.pop(by_model[what], 0) for what in by_model} == {
        what: dry_run.pop(what, 0) for what in by_model
    }
    # Nothing went that was not reported, and nothing was reported that did not go.
    assert {label: n for label, n in gone_rows.items() if n} == {}
    assert {what: n for what, n in dry_run.items() if n} == {}
    assert gone_statuses == Counter({Assessment.Status.SUBMITTED: 2, Assessment.Status.DRAFT: 2})


# --- A council's last officer --------------------------------------------------------------


@pytest.fixture
def stale_officer(officer):
    """The council's only officer, last signed in long ago."""
    age(User, officer.pk, last_login=LONG_AGO, date_joined=LONG_AGO)
    return officer


def test_a_councils_last_officer_is_kept_and_named(stale_officer, council):
    output = purge("--apply")

    assert User.objects.filter(pk=stale_officer.pk).exists()
    assert f"Kept account {stale_officer.pk}" in output
    assert f"the last officer of {council.name}" in output
    assert "Deleted 0 accounts" in output
    assert stale_officer.email not in output and stale_officer.full_name not in output


def test_the_dry_run_names_the_kept_officer_too(stale_officer, council):
    output = purge()

    assert f"Kept account {stale_officer.pk}" in output
    assert "Would delete 0 accounts" in output


def test_the_last_officer_goes_only_when_asked_and_the_command_says_so(stale_officer, council):
    dry_run = purge("--include-last-officers")
    output = purge("--apply", "--include-last-officers")

    assert not User.objects.filter(pk=stale_officer.pk).exists()
    assert f"Would delete the last officer of {council.name}" in dry_run
    assert f"Deleted the last officer of {council.name} (account {stale_officer.pk})" in output
    assert "Deleted 1 accounts" in output


def test_of_several_stale_officers_only_the_latest_signed_in_is_kept(stale_officer, council):
    older = make_user(
        email="older.officer@example.org",
        full_name="Older Officer",
        council=council,
        role=User.Role.OFFICER,
    )
    age(User, older.pk, last_login=LONG_AGO - datetime.timedelta(days=100), date_joined=LONG_AGO)

    purge("--apply")

    assert User.objects.filter(pk=stale_officer.pk).exists()
    assert not User.objects.filter(pk=older.pk).exists()


def test_a_stale_officer_goes_without_a_word_when_the_council_keeps_another(stale_officer, council):
    fresh = make_user(
        email="fresh.officer@example.org",
        full_name="Fresh Officer",
        council=council,
        role=User.Role.OFFICER,
    )
    age(User, fresh.pk, last_login=RECENTLY)

    output = purge("--apply")

    assert not User.objects.filter(pk=stale_officer.pk).exists()
    assert "last officer" not in output


def test_a_deactivated_officer_does_not_count_as_the_one_left(stale_officer, council):
    """An officer an admin deactivated cannot act for the council: the stale one stays."""
    make_user(
        email="gone.officer@example.org",
        full_name="Deactivated Officer",
        council=council,
        role=User.Role.OFFICER,
        is_active=False,
    )

    purge("--apply")

    assert User.objects.filter(pk=stale_officer.pk).exists()


def test_email_records_older_than_the_retention_period_go_and_newer_ones_stay(db, councillor):
    old = Email.objects.create(purpose=Email.Purpose.PASSWORD_RESET, user=councillor, key="r:old")
    new = Email.objects.create(purpose=Email.Purpose.PASSWORD_RESET, user=councillor, key="r:new")
    age(User, councillor.pk, last_login=RECENTLY)
    age(Email, old.pk, created_at=LONG_AGO)

    output = purge("--apply")

    assert "Deleted 1 email records" in output
    assert list(Email.objects.values_list("pk", flat=True)) == [new.pk]
