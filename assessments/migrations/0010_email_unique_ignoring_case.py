# One account per email address, regardless of case: "S1@TINY.TEST" beside "s1@tiny.test" made
# signing in fail (two accounts matched). 0009 lower-cased the addresses already stored.

from django.db import migrations, models
from django.db.models.functions import Lower


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0009_lower_case_emails"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("email"),
                name="unique_email_ignoring_case",
                violation_error_message="An account with this email address already exists.",
            ),
        ),
    ]
