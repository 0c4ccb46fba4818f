# Every email becomes an `Email` row (assessments/emails.py), sent by a task; the invitation's own
# email columns (0012) are moved into it and dropped, so the state has one home.
#
# Forwards, each invitation gets the row its email would have had: sent (at the time it was
# tried), gave up (the email could not be sent), or, for one never tried (a request that died
# half way), gave up too, so the officer is offered "Send again". Backwards, each invitation's
# row is read back into its columns: sent; failed for a retry or a give-up; not sent otherwise.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NEVER_TRIED = "NotSentBeforeEmailLog"


def move_email_states_to_email_log(apps, schema_editor):
    Invitation = apps.get_model("assessments", "Invitation")
    Email = apps.get_model("assessments", "Email")
    rows = []
    for invitation in Invitation.objects.only("pk", "user_id", "email_state", "email_attempted_at"):
        row = Email(
            purpose="invitation",
            user_id=invitation.user_id,
            invitation_id=invitation.pk,
            key=f"invitation:{invitation.pk}",
        )
        if invitation.email_state == "sent":
            row.state, row.sent_at = "sent", invitation.email_attempted_at
            row.attempts, row.last_attempt_at = 1, invitation.email_attempted_at
        elif invitation.email_state == "failed":
            row.state, row.last_error = "gave_up", "OSError"
            row.attempts, row.last_attempt_at = 1, invitation.email_attempted_at
        else:
            row.state, row.last_error = "gave_up", NEVER_TRIED
        rows.append(row)
    Email.objects.bulk_create(rows, batch_size=500)


def move_email_log_to_email_states(apps, schema_editor):
    Invitation = apps.get_model("assessments", "Invitation")
    Email = apps.get_model("assessments", "Email")
    for email in Email.objects.filter(purpose="invitation").exclude(last_error=NEVER_TRIED):
        if email.state == "sent":
            state, attempted = "sent", email.sent_at
        elif email.state in ("retrying", "gave_up"):
            state, attempted = "failed", email.last_attempt_at or email.created_at
        else:
            continue
        Invitation.objects.filter(pk=email.invitation_id).update(
            email_state=state, email_attempted_at=attempted
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0012_invitation_email_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="Email",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("invitation", "Invitation"),
                            ("password_reset", "Password reset"),
                            ("completion_reminder", "Reminder to complete an assessment"),
                            ("step_reminder", "Reminder of a next step"),
                        ],
                        max_length=30,
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        help_text="Once-only: one email per key, ever.", max_length=200, unique=True
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("retrying", "Could not be sent, trying again"),
                            ("gave_up", "Gave up"),
                            ("cancelled", "Cancelled: no longer needed"),
                        ],
                        default="queued",
                        max_length=20,
                    ),
                ),
                (
                    "attempts",
                    models.PositiveIntegerField(
                        default=0, help_text="How many times sending began."
                    ),
                ),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=100)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "provider_reference",
                    models.CharField(
                        blank=True, help_text="GOV.UK Notify's id for the message.", max_length=100
                    ),
                ),
                (
                    "delivery",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not known"),
                            ("delivered", "Delivered"),
                            (
                                "permanent_failure",
                                "The address does not exist or cannot receive email",
                            ),
                            ("temporary_failure", "The inbox was full or unavailable"),
                            ("technical_failure", "A technical problem at GOV.UK Notify"),
                        ],
                        default="",
                        max_length=30,
                    ),
                ),
                ("delivery_checked_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.AddField(
            model_name="email",
            name="action_step",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="emails",
                to="assessments.actionstep",
            ),
        ),
        migrations.AddField(
            model_name="email",
            name="invitation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="emails",
                to="assessments.invitation",
            ),
        ),
        migrations.AddField(
            model_name="email",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="emails",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="email",
            index=models.Index(fields=["state", "purpose"], name="email_state_purpose"),
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.CheckConstraint(
                condition=models.Q(("attempts__gte", 0)), name="email_attempts_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("sent_at__isnull", False), ("state", "sent")),
                    models.Q(models.Q(("state", "sent"), _negated=True), ("sent_at__isnull", True)),
                    _connector="OR",
                ),
                name="email_sent_has_sent_at",
            ),
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "retrying"), _negated=True),
                    ("next_attempt_at__isnull", False),
                    _connector="OR",
                ),
                name="email_retrying_has_next_attempt",
            ),
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state__in", ["retrying", "gave_up"]), _negated=True),
                    models.Q(("last_error", ""), _negated=True),
                    _connector="OR",
                ),
                name="email_failure_has_error",
            ),
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.CheckConstraint(
                condition=models.Q(("delivery", ""), ("state", "sent"), _connector="OR"),
                name="email_delivery_only_when_sent",
            ),
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("purpose", "invitation"), _negated=True),
                    ("invitation__isnull", False),
                    _connector="OR",
                ),
                name="email_invitation_has_invitation",
            ),
        ),
        migrations.AddConstraint(
            model_name="email",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("purpose", "step_reminder"), _negated=True),
                    ("action_step__isnull", False),
                    _connector="OR",
                ),
                name="email_step_reminder_has_step",
            ),
        ),
        migrations.RunPython(move_email_states_to_email_log, move_email_log_to_email_states),
        migrations.RemoveConstraint(
            model_name="invitation",
            name="invitation_email_state_has_its_time",
        ),
        migrations.RemoveField(
            model_name="invitation",
            name="email_attempted_at",
        ),
        migrations.RemoveField(
            model_name="invitation",
            name="email_state",
        ),
    ]
