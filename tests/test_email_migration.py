"""Migration 0013 moves each invitation's email state (0012's columns) into an Email row, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("assessments", "0012_invitation_email_state")]
AFTER = [("assessments", "0013_email")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_invitation_email_states_move_into_email_rows_and_back():
    apps = _migrate(BEFORE)
    try:
        User = apps.get_model("assessments", "User")
        Invitation = apps.get_model("assessments", "Invitation")
        when = timezone.now()
        made = {}
        for state in ("sent", "failed", "not_sent"):
            user = User.objects.create(
                email=f"{state}@example.org", full_name=state, is_active=False
            )
            made[state] = Invitation.objects.create(
                user=user,
                token_hash=state.ljust(64, "0"),
                expires_at=when,
                email_state=state,
                email_attempted_at=None if state == "not_sent" else when,
            )

        apps = _migrate(AFTER)
        Email = apps.get_model("assessments", "Email")
        rows = {row.invitation_id: row for row in Email.objects.all()}
        assert rows[made["sent"].pk].state == "sent"
        assert rows[made["sent"].pk].sent_at == when
        assert rows[made["failed"].pk].state == "gave_up"
        assert rows[made["not_sent"].pk].state == "gave_up"  # never tried: "Send again"
        assert {row.key for row in rows.values()} == {f"invitation:{pk}" for pk in rows}

        apps = _migrate(BEFORE)
        Invitation = apps.get_model("assessments", "Invitation")
        states = dict(Invitation.objects.values_list("pk", "email_state"))
        assert states == {
            made["sent"].pk: "sent",
            made["failed"].pk: "failed",
            made["not_sent"].pk: "not_sent",
        }
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
