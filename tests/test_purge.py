"""The purge command: what is older than the retention period goes; nothing goes on a dry run."""

import datetime
from io import StringIO

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.utils import timezone

from assessments.models import (
    Answer,
    Assessment,
    CouncillorGroup,
    GroupMembership,
    Invitation,
    User,
)
from tests.builders import answer_all, make_user, submit

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
    gone:   a councillor last signed in long ago, with a submitted assessment and a group place;
    stays:  a councillor signed in recently, with one old and one recent submitted assessment,
            and an old abandoned draft;
    admin:  an admin last signed in long ago (kept: admins are removed by hand).
    """
    gone = make_user(email="gone@example.org", full_name="Gone Away", council=council)
    age(User, gone.pk, last_login=LONG_AGO, date_joined=LONG_AGO)
    gone_assessment = submit(gone, checklist, submitted_at=LONG_AGO)
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
    assert "Would delete 1 submitted assessments" in output
    assert "Would delete 1 draft assessments" in output
    assert "Would delete 1 invitations" in output
    assert "Would delete 1 sign-in records" in output
    assert "Dry run: nothing was deleted" in output


def test_apply_deletes_what_is_past_retention_and_keeps_the_rest(world, councillor, admin_user):
    output = purge("--apply")

    assert "Deleted 1 accounts" in output
    assert "Deleted 1 submitted assessments" in output
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
