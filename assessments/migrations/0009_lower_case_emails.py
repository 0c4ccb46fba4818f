# Email addresses are stored lower-cased, as every form now saves them, before 0010 makes them
# unique regardless of case. Two accounts whose addresses differ only in case are not merged
# here (each may have its own answers): the migration stops and names them, for an admin to
# resolve. Backwards there is nothing to undo: the lower-cased addresses still work.

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower


def lower_case_emails(apps, schema_editor):
    User = apps.get_model("assessments", "User")
    clashes = (
        User.objects.annotate(lower_email=Lower("email"))
        .values("lower_email")
        .annotate(accounts=Count("pk"))
        .filter(accounts__gt=1)
        .order_by("lower_email")
        .values_list("lower_email", flat=True)
    )
    if clashes:
        raise RuntimeError(
            "These email addresses belong to more than one account, differing only in case: "
            f"{', '.join(clashes)}. Change or remove all but one account of each in the admin, "
            "then migrate again."
        )
    User.objects.exclude(email=Lower("email")).update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0008_one_live_invitation_per_person"),
    ]

    operations = [
        migrations.RunPython(lower_case_emails, migrations.RunPython.noop),
    ]
