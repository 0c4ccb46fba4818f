# Questions name their checklist version, so that the database can keep a question code unique
# in a version (a constraint cannot reach through `area`). Added empty here, filled from each
# question's area in 0005, then required and constrained in 0006.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_rename_group_councillorgroup"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="checklist",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to="assessments.checklistversion",
            ),
        ),
    ]
