"""
Content in English and Welsh (assessments/translation.py): an English and a Welsh column for
each translated field, on the content and its history. The existing wording is English, so it is
copied into the English columns; the Welsh comes with the fixtures or is typed in admin.
The research-finding check moves to the English column.
"""

from django.db import migrations, models
from django.db.models import F

TRANSLATED_FIELDS = {
    "checklistversion": ("title", "introduction", "innovation_definition", "key_findings"),
    "area": ("title", "introduction"),
    "question": ("summary", "text", "guidance", "discussion_prompts", "research_finding"),
    "quote": ("text",),
    "answeroption": ("label", "hint"),
}


def copy_into_english(apps, schema_editor):
    for model_name, fields in TRANSLATED_FIELDS.items():
        for name in (model_name, f"historical{model_name}"):
            model = apps.get_model("assessments", name)
            model.objects.update(**{f"{field}_en_gb": F(field) for field in fields})


def copy_back_from_english(apps, schema_editor):
    for model_name, fields in TRANSLATED_FIELDS.items():
        for name in (model_name, f"historical{model_name}"):
            model = apps.get_model("assessments", name)
            model.objects.filter(**{f"{fields[0]}_en_gb__isnull": False}).update(
                **{field: F(f"{field}_en_gb") for field in fields}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0020_user_language_and_welsh_councils"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="question",
            name="research_priority_has_finding",
        ),
        migrations.AddField(
            model_name="answeroption",
            name="hint_cy",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="answeroption",
            name="hint_en_gb",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="answeroption",
            name="label_cy",
            field=models.CharField(max_length=50, null=True),
        ),
        migrations.AddField(
            model_name="answeroption",
            name="label_en_gb",
            field=models.CharField(max_length=50, null=True),
        ),
        migrations.AddField(
            model_name="area",
            name="introduction_cy",
            field=models.TextField(
                blank=True, help_text="Shown above the area's questions.", null=True
            ),
        ),
        migrations.AddField(
            model_name="area",
            name="introduction_en_gb",
            field=models.TextField(
                blank=True, help_text="Shown above the area's questions.", null=True
            ),
        ),
        migrations.AddField(
            model_name="area",
            name="title_cy",
            field=models.CharField(
                help_text="As in the leaflet's summary.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="area",
            name="title_en_gb",
            field=models.CharField(
                help_text="As in the leaflet's summary.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="innovation_definition_cy",
            field=models.TextField(
                help_text="The definition of innovation in local government. Lines starting “- ” are a list.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="innovation_definition_en_gb",
            field=models.TextField(
                help_text="The definition of innovation in local government. Lines starting “- ” are a list.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="introduction_cy",
            field=models.TextField(
                blank=True,
                help_text="Shown on the start page. Blank lines separate paragraphs.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="introduction_en_gb",
            field=models.TextField(
                blank=True,
                help_text="Shown on the start page. Blank lines separate paragraphs.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="key_findings_cy",
            field=models.TextField(
                help_text="The research's key findings. Lines starting “- ” are a list.", null=True
            ),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="key_findings_en_gb",
            field=models.TextField(
                help_text="The research's key findings. Lines starting “- ” are a list.", null=True
            ),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="title_cy",
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="checklistversion",
            name="title_en_gb",
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="historicalansweroption",
            name="hint_cy",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="historicalansweroption",
            name="hint_en_gb",
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="historicalansweroption",
            name="label_cy",
            field=models.CharField(max_length=50, null=True),
        ),
        migrations.AddField(
            model_name="historicalansweroption",
            name="label_en_gb",
            field=models.CharField(max_length=50, null=True),
        ),
        migrations.AddField(
            model_name="historicalarea",
            name="introduction_cy",
            field=models.TextField(
                blank=True, help_text="Shown above the area's questions.", null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalarea",
            name="introduction_en_gb",
            field=models.TextField(
                blank=True, help_text="Shown above the area's questions.", null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalarea",
            name="title_cy",
            field=models.CharField(
                help_text="As in the leaflet's summary.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalarea",
            name="title_en_gb",
            field=models.CharField(
                help_text="As in the leaflet's summary.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="innovation_definition_cy",
            field=models.TextField(
                help_text="The definition of innovation in local government. Lines starting “- ” are a list.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="innovation_definition_en_gb",
            field=models.TextField(
                help_text="The definition of innovation in local government. Lines starting “- ” are a list.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="introduction_cy",
            field=models.TextField(
                blank=True,
                help_text="Shown on the start page. Blank lines separate paragraphs.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="introduction_en_gb",
            field=models.TextField(
                blank=True,
                help_text="Shown on the start page. Blank lines separate paragraphs.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="key_findings_cy",
            field=models.TextField(
                help_text="The research's key findings. Lines starting “- ” are a list.", null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="key_findings_en_gb",
            field=models.TextField(
                help_text="The research's key findings. Lines starting “- ” are a list.", null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="title_cy",
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="historicalchecklistversion",
            name="title_en_gb",
            field=models.CharField(max_length=200, null=True),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="discussion_prompts_cy",
            field=models.TextField(
                blank=True,
                help_text="Two or three questions a facilitator can ask a group about this key action, one per line. Shown to officers beside the group's agenda.",
                null=True,
                verbose_name="facilitator prompts",
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="discussion_prompts_en_gb",
            field=models.TextField(
                blank=True,
                help_text="Two or three questions a facilitator can ask a group about this key action, one per line. Shown to officers beside the group's agenda.",
                null=True,
                verbose_name="facilitator prompts",
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="guidance_cy",
            field=models.TextField(
                blank=True,
                help_text="What good looks like: two or three plain sentences, shown under the question and beside the gap in the report.",
                null=True,
                verbose_name="what good looks like",
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="guidance_en_gb",
            field=models.TextField(
                blank=True,
                help_text="What good looks like: two or three plain sentences, shown under the question and beside the gap in the report.",
                null=True,
                verbose_name="what good looks like",
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="research_finding_cy",
            field=models.CharField(
                blank=True,
                help_text="The finding's own wording, for research priorities.",
                max_length=300,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="research_finding_en_gb",
            field=models.CharField(
                blank=True,
                help_text="The finding's own wording, for research priorities.",
                max_length=300,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="summary_cy",
            field=models.CharField(
                help_text="The key action, e.g. “Encourage creativity”.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="summary_en_gb",
            field=models.CharField(
                help_text="The key action, e.g. “Encourage creativity”.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="text_cy",
            field=models.CharField(
                help_text="The question, e.g. “Do you encourage creativity?”",
                max_length=300,
                null=True,
                verbose_name="the question",
            ),
        ),
        migrations.AddField(
            model_name="historicalquestion",
            name="text_en_gb",
            field=models.CharField(
                help_text="The question, e.g. “Do you encourage creativity?”",
                max_length=300,
                null=True,
                verbose_name="the question",
            ),
        ),
        migrations.AddField(
            model_name="historicalquote",
            name="text_cy",
            field=models.TextField(null=True),
        ),
        migrations.AddField(
            model_name="historicalquote",
            name="text_en_gb",
            field=models.TextField(null=True),
        ),
        migrations.AddField(
            model_name="question",
            name="discussion_prompts_cy",
            field=models.TextField(
                blank=True,
                help_text="Two or three questions a facilitator can ask a group about this key action, one per line. Shown to officers beside the group's agenda.",
                null=True,
                verbose_name="facilitator prompts",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="discussion_prompts_en_gb",
            field=models.TextField(
                blank=True,
                help_text="Two or three questions a facilitator can ask a group about this key action, one per line. Shown to officers beside the group's agenda.",
                null=True,
                verbose_name="facilitator prompts",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="guidance_cy",
            field=models.TextField(
                blank=True,
                help_text="What good looks like: two or three plain sentences, shown under the question and beside the gap in the report.",
                null=True,
                verbose_name="what good looks like",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="guidance_en_gb",
            field=models.TextField(
                blank=True,
                help_text="What good looks like: two or three plain sentences, shown under the question and beside the gap in the report.",
                null=True,
                verbose_name="what good looks like",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="research_finding_cy",
            field=models.CharField(
                blank=True,
                help_text="The finding's own wording, for research priorities.",
                max_length=300,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="research_finding_en_gb",
            field=models.CharField(
                blank=True,
                help_text="The finding's own wording, for research priorities.",
                max_length=300,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="summary_cy",
            field=models.CharField(
                help_text="The key action, e.g. “Encourage creativity”.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="summary_en_gb",
            field=models.CharField(
                help_text="The key action, e.g. “Encourage creativity”.", max_length=200, null=True
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="text_cy",
            field=models.CharField(
                help_text="The question, e.g. “Do you encourage creativity?”",
                max_length=300,
                null=True,
                verbose_name="the question",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="text_en_gb",
            field=models.CharField(
                help_text="The question, e.g. “Do you encourage creativity?”",
                max_length=300,
                null=True,
                verbose_name="the question",
            ),
        ),
        migrations.AddField(
            model_name="quote",
            name="text_cy",
            field=models.TextField(null=True),
        ),
        migrations.AddField(
            model_name="quote",
            name="text_en_gb",
            field=models.TextField(null=True),
        ),
        migrations.RunPython(copy_into_english, copy_back_from_english),
        # The history keeps both languages, not the untranslated column.
        migrations.RemoveField(
            model_name='historicalansweroption',
            name='hint',
        ),
        migrations.RemoveField(
            model_name='historicalansweroption',
            name='label',
        ),
        migrations.RemoveField(
            model_name='historicalarea',
            name='introduction',
        ),
        migrations.RemoveField(
            model_name='historicalarea',
            name='title',
        ),
        migrations.RemoveField(
            model_name='historicalchecklistversion',
            name='innovation_definition',
        ),
        migrations.RemoveField(
            model_name='historicalchecklistversion',
            name='introduction',
        ),
        migrations.RemoveField(
            model_name='historicalchecklistversion',
            name='key_findings',
        ),
        migrations.RemoveField(
            model_name='historicalchecklistversion',
            name='title',
        ),
        migrations.RemoveField(
            model_name='historicalquestion',
            name='discussion_prompts',
        ),
        migrations.RemoveField(
            model_name='historicalquestion',
            name='guidance',
        ),
        migrations.RemoveField(
            model_name='historicalquestion',
            name='research_finding',
        ),
        migrations.RemoveField(
            model_name='historicalquestion',
            name='summary',
        ),
        migrations.RemoveField(
            model_name='historicalquestion',
            name='text',
        ),
        migrations.RemoveField(
            model_name='historicalquote',
            name='text',
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_research_priority", False),
                    models.Q(
                        ("research_finding_en_gb__isnull", False),
                        models.Q(("research_finding_en_gb", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="research_priority_has_finding",
            ),
        ),
    ]
