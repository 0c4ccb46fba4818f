# A group's name is unique in its council regardless of case ("Cabinet" and "cabinet" would be
# two groups nobody can tell apart). The service and form already refused such a name; this
# makes the database refuse it too, so that two people creating the same group at once cannot
# both succeed.

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_names_repeated_in_a_council(apps, schema_editor):
    """Name any groups the new constraint would refuse, so an admin can rename them, rather
    than fail on an unexplained unique index."""
    CouncillorGroup = apps.get_model("assessments", "CouncillorGroup")
    repeated = (
        CouncillorGroup.objects.annotate(lower_name=Lower("name"))
        .values("council__name", "lower_name")
        .annotate(uses=Count("pk"))
        .filter(uses__gt=1)
        .order_by("council__name", "lower_name")
    )
    if repeated:
        listed = "; ".join(f"“{row['lower_name']}” in {row['council__name']}" for row in repeated)
        raise RuntimeError(
            "These group names are used more than once in a council (ignoring case): "
            f"{listed}. Rename one of each, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0006_question_code_unique_in_checklist"),
    ]

    operations = [
        migrations.RunPython(refuse_names_repeated_in_a_council, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="councillorgroup",
            name="unique_group_name_in_council",
        ),
        migrations.AddConstraint(
            model_name="councillorgroup",
            constraint=models.UniqueConstraint(
                Lower("name"), "council", name="unique_group_name_in_council_ignoring_case"
            ),
        ),
    ]
