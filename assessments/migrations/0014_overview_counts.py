# The national overview's counts (per council: people who submitted, submitted assessments,
# and each answer to each question), kept up to date by `assessments.overview_counts` from now
# on, and counted here once from the assessments already submitted. The count is
# `overview_counts.overview_counts_recount`'s, written against the historical models.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def count_submitted_assessments(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    Answer = apps.get_model("assessments", "Answer")
    CouncilSubmissions = apps.get_model("assessments", "CouncilSubmissions")
    CouncilAnswerCount = apps.get_model("assessments", "CouncilAnswerCount")
    submitted = Assessment.objects.filter(status="submitted", owner__council__isnull=False)
    CouncilSubmissions.objects.bulk_create(
        CouncilSubmissions(council_id=council, people=people, assessments=n)
        for council, people, n in submitted.order_by()
        .values_list("owner__council")
        .annotate(people=Count("owner", distinct=True), n=Count("pk"))
    )
    CouncilAnswerCount.objects.bulk_create(
        (
            CouncilAnswerCount(council_id=council, question_id=q, option_id=o, count=n)
            for council, q, o, n in Answer.objects.filter(
                assessment__in=submitted, option__isnull=False
            )
            .order_by()
            .values_list("assessment__owner__council", "question", "option")
            .annotate(n=Count("pk"))
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0013_email'),
    ]

    operations = [
        migrations.CreateModel(
            name='CouncilSubmissions',
            fields=[
                ('council', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='assessments.council')),
                ('people', models.PositiveIntegerField(default=0)),
                ('assessments', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name_plural': 'council submissions',
            },
        ),
        migrations.CreateModel(
            name='CouncilAnswerCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('count', models.PositiveIntegerField(default=0)),
                ('council', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.council')),
                ('option', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.answeroption')),
                ('question', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='assessments.question')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('council', 'question', 'option'), name='one_count_per_council_answer')],
            },
        ),
        # Backwards, the tables go with their rows: nothing to undo.
        migrations.RunPython(count_submitted_assessments, migrations.RunPython.noop),
    ]
