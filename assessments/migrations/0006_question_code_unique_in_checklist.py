# A question code is unique in its checklist version, not just in its area: natural keys
# (checklist number, code) and matching answers across versions rely on it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_fill_question_checklist"),
    ]

    operations = [
        migrations.AlterField(
            model_name="question",
            name="checklist",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="questions",
                to="assessments.checklistversion",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="question",
            name="unique_question_code_in_area",
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.UniqueConstraint(
                fields=("checklist", "code"), name="unique_question_code_in_checklist"
            ),
        ),
    ]
