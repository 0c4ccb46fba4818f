# Each invitation records its email's state (not sent yet, sent, could not be sent) and when it
# was last tried, so a mail outage no longer leaves a half-made invitation nobody can see.
#
# Invitations made before this are taken as sent at the time they were made: until now a failed
# send was a 500 page that the officer saw, and nothing recorded which emails went.

from django.db import migrations, models


def mark_earlier_invitations_sent(apps, schema_editor):
    Invitation = apps.get_model("assessments", "Invitation")
    Invitation.objects.update(email_state="sent", email_attempted_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0011_group_rounds_and_council_minimum"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="email_attempted_at",
            field=models.DateTimeField(
                blank=True, help_text="When the email was last tried, sent or not.", null=True
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="email_state",
            field=models.CharField(
                choices=[
                    ("not_sent", "Not sent yet"),
                    ("sent", "Sent"),
                    ("failed", "Could not be sent"),
                ],
                default="not_sent",
                max_length=10,
            ),
        ),
        migrations.RunPython(mark_earlier_invitations_sent, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("email_attempted_at__isnull", True), ("email_state", "not_sent")),
                    models.Q(
                        ("email_attempted_at__isnull", False),
                        ("email_state__in", ["sent", "failed"]),
                    ),
                    _connector="OR",
                ),
                name="invitation_email_state_has_its_time",
            ),
        ),
    ]
