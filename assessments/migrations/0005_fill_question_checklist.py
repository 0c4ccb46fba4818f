# Every existing question takes its area's checklist version. Backwards there is nothing to
# undo: 0004 backwards drops the column.

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery


def fill_question_checklist(apps, schema_editor):
    Area = apps.get_model("assessments", "Area")
    Question = apps.get_model("assessments", "Question")
    Question.objects.update(
        checklist_id=Subquery(Area.objects.filter(pk=OuterRef("area_id")).values("checklist_id"))
    )


def refuse_codes_repeated_in_a_version(apps, schema_editor):
    """Before 0006 makes codes unique in a version: name any that are not, so an admin can
    rename them, rather than fail on an unexplained unique index."""
    Question = apps.get_model("assessments", "Question")

    repeated = (
        Question.objects.values("checklist__number", "code")
        .annotate(uses=Count("pk"))
        .filter(uses__gt=1)
        .order_by("checklist__number", "code")
    )
    if repeated:
        listed = "; ".join(
            f"'{row['code']}' in version {row['checklist__number']}" for row in repeated
        )
        raise RuntimeError(
            "These question codes are used more than once in the same checklist version: "
            f"{listed}. Give each question its own code in the admin, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_question_checklist"),
    ]

    operations = [
        migrations.RunPython(fill_question_checklist, migrations.RunPython.noop),
        migrations.RunPython(refuse_codes_repeated_in_a_version, migrations.RunPython.noop),
    ]
