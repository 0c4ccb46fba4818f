"""
Content in both languages on the same versioned rows (#15): each content field has an English
and a Welsh column (assessments/translation.py), the history keeps both, a copy copies both,
the comparison and publishing look at both, and a report shows the Welsh of the version it
was answered on.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from assessments.models import AnswerOption, Area, ChecklistVersion, Council, Question, Quote
from assessments.reports import submitted_summaries
from assessments.scoring import wording_differs
from assessments.translation import TRANSLATED_FIELDS, column, localized
from assessments.version_changes import compare_versions
from assessments.versioning import (
    VersioningError,
    checklist_copy_as_draft,
    checklist_publish,
    checklist_publish_problems,
)
from tests.builders import submit
from tests.welsh_helpers import welsh_get

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "checklist.json"
MODELS = {f"assessments.{model._meta.model_name}": model for model in TRANSLATED_FIELDS}


@pytest.fixture
def draft_version(checklist):
    return checklist_copy_as_draft(checklist=checklist)


def _question(version, code="encourage-creativity") -> Question:
    return Question.objects.get(checklist=version, code=code)


# --- Registration and fallback ---------------------------------------------------------------


@pytest.mark.parametrize("model", TRANSLATED_FIELDS, ids=lambda model: model.__name__)
def test_every_content_field_has_an_english_and_a_welsh_column(model):
    names = {field.name for field in model._meta.get_fields()}
    for field in TRANSLATED_FIELDS[model]:
        assert {f"{field}_en_gb", f"{field}_cy"} <= names


def test_a_content_field_reads_the_active_languages_wording(checklist):
    question = _question(checklist)

    assert question.text == "Do you encourage creativity?"
    with translation.override("cy"):
        assert question.text == "Ydych chi’n annog creadigrwydd?"
        assert Area.objects.get(checklist=checklist, code="climate").title == (
            "Creu’r hinsawdd ar gyfer arloesi"
        )


def test_a_welsh_gap_falls_back_to_the_english(draft_version):
    question = _question(draft_version)
    question.text_cy = ""
    question.save()

    with translation.override("cy"):
        assert question.text == "Do you encourage creativity?"
        assert question.summary == "Annog creadigrwydd"


def test_the_query_helper_reads_the_welsh_and_falls_back_to_the_english(draft_version):
    quote = Quote.objects.filter(area__checklist=draft_version).order_by("area__order", "order")[0]
    Quote.objects.filter(pk=quote.pk).update(text_cy=None)
    other = Quote.objects.filter(area__checklist=draft_version).exclude(pk=quote.pk).first()
    assert other is not None

    with translation.override("cy"):
        texts = dict(
            Quote.objects.filter(pk__in=[quote.pk, other.pk])
            .annotate(shown=localized("text"))
            .values_list("pk", "shown")
        )
        through = (
            Question.objects.filter(quote=other).annotate(shown=localized("quote__text")).first()
        )

    assert texts[quote.pk] == quote.text_en_gb
    assert texts[other.pk] == other.text_cy
    assert through is None or through.shown == other.text_cy


def test_the_dashboards_counts_name_areas_and_answers_in_welsh(submitted):
    with translation.override("cy"):
        (summary,) = submitted_summaries([submitted])
    titles = [title for title, _counts in summary.area_counts]

    assert titles[0] == "Creu’r hinsawdd ar gyfer arloesi"
    assert any("Ydw" in counts for _title, counts in summary.area_counts)


# --- The fixtures' Welsh ---------------------------------------------------------------------


def test_the_fixture_has_welsh_for_every_content_field_that_has_english():
    objects = json.loads(FIXTURE.read_text())
    missing = [
        (obj["model"], obj["fields"].get("code") or obj["fields"].get("order"), field)
        for obj in objects
        if obj["model"] in MODELS
        for field in TRANSLATED_FIELDS[MODELS[obj["model"]]]
        if (obj["fields"].get(field) or "").strip()
        and not (obj["fields"].get(f"{field}_cy") or "").strip()
    ]

    assert missing == []
    assert sum(1 for obj in objects if obj["model"] == "assessments.quote") == 30


def test_the_loaded_checklist_has_welsh_wherever_it_has_english(checklist):
    for model, fields in TRANSLATED_FIELDS.items():
        for obj in model.objects.all():
            for field in fields:
                english = getattr(obj, column(field, "en-gb")) or ""
                welsh = getattr(obj, column(field, "cy")) or ""
                assert bool(english.strip()) == bool(welsh.strip()), (model, obj.pk, field)


def test_the_welsh_research_findings_are_the_welsh_key_findings(checklist):
    findings = Question.objects.filter(checklist=checklist, is_research_priority=True)

    assert findings.count() == 5
    for question in findings:
        assert question.research_finding_cy in checklist.key_findings_cy


def test_the_research_finding_check_is_on_the_english_column(draft_version):
    priority = Question.objects.filter(checklist=draft_version, is_research_priority=True)[0]

    for empty in ("", None):
        with pytest.raises(IntegrityError), transaction.atomic():
            Question.objects.filter(pk=priority.pk).update(
                research_finding_en_gb=empty, research_finding_cy="Canfyddiad"
            )
    # The Welsh may be empty while drafting.
    Question.objects.filter(pk=priority.pk).update(research_finding_cy="")


# --- History, copy -----------------------------------------------------------------------------


def test_the_history_keeps_both_languages(draft_version):
    question = _question(draft_version)
    question.text_cy = "Ydych chi’n annog creadigrwydd ym mhob tîm?"
    question.save()

    latest = question.history.latest()
    names = {field.name for field in Question.history.model._meta.fields}
    assert latest.text_cy == "Ydych chi’n annog creadigrwydd ym mhob tîm?"
    assert latest.text_en_gb == "Do you encourage creativity?"
    assert latest.prev_record.text_cy == "Ydych chi’n annog creadigrwydd?"
    # Not the untranslated column that modeltranslation leaves behind.
    assert "text" not in names


def test_the_history_page_names_a_welsh_change(admin_client, draft_version):
    question = _question(draft_version)
    question.save()
    question.text_cy = "Ydych chi’n annog creadigrwydd ym mhob tîm?"
    question.save()

    html = admin_client.get(
        reverse("admin:assessments_question_history", args=[question.pk])
    ).content.decode()

    assert "The question (Cymraeg)" in html
    assert "Ydych chi’n annog creadigrwydd ym mhob tîm?" in html


def test_a_copy_copies_both_languages(checklist, draft_version):
    for model, fields in TRANSLATED_FIELDS.items():
        columns = [column(field, language) for field in fields for language in ("en-gb", "cy")]
        if model is ChecklistVersion:
            old = [ChecklistVersion.objects.filter(pk=checklist.pk).values_list(*columns).get()]
            new = [ChecklistVersion.objects.filter(pk=draft_version.pk).values_list(*columns).get()]
        else:
            version = "area__checklist" if model is Quote else "checklist"
            old = sorted(model.objects.filter(**{version: checklist}).values_list(*columns))
            new = sorted(model.objects.filter(**{version: draft_version}).values_list(*columns))
        assert new == old, model
        assert any(row[1] for row in new), model


# --- Comparing and publishing -------------------------------------------------------------------


def test_a_welsh_only_rewording_is_a_change_and_asks_councillors_again(checklist, draft_version):
    question = _question(draft_version)
    Question.objects.filter(pk=question.pk).update(
        text_cy="Ydych chi’n annog creadigrwydd ym mhob tîm?"
    )
    question.refresh_from_db()

    changes = compare_versions(old=checklist, new=draft_version)
    (item,) = [item for area in changes.areas for item in area.key_actions]

    assert [field.name for field in item.fields] == ["The question (Cymraeg)"]
    assert item.fields[0].old == "Ydych chi’n annog creadigrwydd?"
    assert item.fields[0].new == "Ydych chi’n annog creadigrwydd ym mhob tîm?"
    assert changes.reworded_codes == ("encourage-creativity",)
    assert wording_differs(_question(checklist), question)


def test_adding_a_welsh_translation_is_a_change_but_not_a_rewording(checklist, draft_version):
    Question.objects.filter(pk=_question(checklist).pk).update(text_cy=None)

    changes = compare_versions(old=checklist, new=draft_version)

    assert not changes.is_empty
    assert changes.reworded_codes == ()
    assert not wording_differs(_question(checklist), _question(draft_version))


def test_a_welsh_rewording_of_an_area_option_and_version_text_is_shown(checklist, draft_version):
    Area.objects.filter(checklist=draft_version, code="climate").update(title_cy="Hinsawdd")
    AnswerOption.objects.filter(checklist=draft_version, code="yes").update(hint_cy="Yn llawn.")
    ChecklistVersion.objects.filter(pk=draft_version.pk).update(title_cy="Teitl newydd")
    draft_version.refresh_from_db()

    changes = compare_versions(old=checklist, new=draft_version)

    assert [field.name for field in changes.fields] == ["Title (Cymraeg)"]
    (climate,) = changes.areas
    assert [field.name for field in climate.fields] == ["Title (Cymraeg)"]
    (option,) = changes.answer_options
    assert [field.name for field in option.fields] == ["Hint (Cymraeg)"]


def _with_welsh_gaps(version) -> None:
    # An English edit, so that the draft differs from the published version.
    ChecklistVersion.objects.filter(pk=version.pk).update(title_en_gb="A new edition")
    Question.objects.filter(checklist=version, code="encourage-creativity").update(text_cy="")
    Area.objects.filter(checklist=version, code="climate").update(introduction_cy=None)
    Quote.objects.filter(area__checklist=version, area__code="delivery", order=2).update(
        text_cy=" "
    )
    AnswerOption.objects.filter(checklist=version, code="not-sure").update(label_cy="")
    ChecklistVersion.objects.filter(pk=version.pk).update(key_findings_cy="")


WELSH_GAPS = [
    "Version 2: the key findings (Cymraeg) is empty.",
    "Area “climate”: the introduction (Cymraeg) is empty.",
    "Key action “encourage-creativity”: the question (Cymraeg) is empty.",
    "Quote 2 of area “delivery”: the quote (Cymraeg) is empty.",
    "Answer option “not-sure”: the label (Cymraeg) is empty.",
]


def test_publishing_is_refused_naming_each_welsh_gap_and_nothing_changes(
    checklist, draft_version, admin_user
):
    _with_welsh_gaps(draft_version)
    draft_version.refresh_from_db()

    problems = [str(problem) for problem in checklist_publish_problems(checklist=draft_version)]
    assert problems == WELSH_GAPS
    with pytest.raises(VersioningError) as refused:
        checklist_publish(checklist=draft_version, published_by=admin_user)

    for gap in WELSH_GAPS:
        assert gap in str(refused.value)
    draft_version.refresh_from_db()
    checklist.refresh_from_db()
    assert draft_version.status == ChecklistVersion.Status.DRAFT
    assert checklist.status == ChecklistVersion.Status.PUBLISHED


def test_an_optional_field_empty_in_english_may_stay_empty_in_welsh(draft_version):
    Question.objects.filter(checklist=draft_version, code="persist").update(
        guidance_en_gb="", guidance_cy="", discussion_prompts_en_gb="", discussion_prompts_cy=None
    )
    Area.objects.filter(checklist=draft_version, code="climate").update(
        introduction_en_gb="", introduction_cy=""
    )
    AnswerOption.objects.filter(checklist=draft_version, code="yes").update(
        hint_en_gb="", hint_cy=""
    )

    assert checklist_publish_problems(checklist=draft_version) == []


def test_the_publish_page_shows_the_welsh_gaps_with_links_to_fix_them(admin_client, draft_version):
    _with_welsh_gaps(draft_version)

    response = admin_client.get(
        reverse("admin:assessments_checklistversion_publish", args=[draft_version.pk])
    )
    html = response.content.decode()

    for gap in WELSH_GAPS:
        assert gap in html
    question = _question(draft_version)
    assert reverse("admin:assessments_question_change", args=[question.pk]) in html


def test_a_draft_that_only_adds_welsh_can_be_published(checklist, admin_user):
    Question.objects.filter(pk=_question(checklist).pk).update(summary_cy=None)
    draft = checklist_copy_as_draft(checklist=checklist)
    Question.objects.filter(pk=_question(draft).pk).update(summary_cy="Annog creadigrwydd")

    checklist_publish(checklist=draft, published_by=admin_user)

    draft.refresh_from_db()
    assert draft.status == ChecklistVersion.Status.PUBLISHED


# --- Reports -----------------------------------------------------------------------------------


def test_an_old_assessments_welsh_report_shows_its_own_versions_welsh(
    client, councillor, checklist, admin_user
):
    old = submit(councillor, checklist)
    draft = checklist_copy_as_draft(checklist=checklist)
    Area.objects.filter(checklist=draft, code="climate").update(title_cy="Hinsawdd newydd")
    checklist_publish(checklist=draft, published_by=admin_user)
    client.force_login(councillor)

    with translation.override("cy"):
        html = client.get(reverse("assessments:report", args=[old.pk])).content.decode()

    assert "Creu’r hinsawdd ar gyfer arloesi" in html
    assert "Hinsawdd newydd" not in html
    assert "Create the climate for innovation" not in html


# --- Admin ---------------------------------------------------------------------------------------


def test_the_admin_shows_english_and_welsh_side_by_side(admin_client, draft_version):
    question = _question(draft_version)

    response = admin_client.get(reverse("admin:assessments_question_change", args=[question.pk]))
    form = response.context["adminform"].form
    html = response.content.decode()

    assert form.fields["text_en_gb"].label == "The question (English)"
    assert form.fields["text_cy"].label == "The question (Cymraeg)"
    assert "Welsh-language officer" in form.fields["text_cy"].help_text
    assert "Welsh-language officer" not in form.fields["text_en_gb"].help_text
    assert "Ydych chi’n annog creadigrwydd?" in html
    assert form.fields["text_en_gb"].required and not form.fields["text_cy"].required


def test_an_admin_edits_the_welsh_of_a_draft_key_action(admin_client, draft_version):
    question = _question(draft_version)
    url = reverse("admin:assessments_question_change", args=[question.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["text_cy"] = "Ydych chi’n annog creadigrwydd bob dydd?"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.text_cy == "Ydych chi’n annog creadigrwydd bob dydd?"
    assert question.text_en_gb == "Do you encourage creativity?"


def test_the_council_admin_shows_the_welsh_council_setting(admin_client):
    council = Council.objects.create(name="Cyngor Sir Ynys Môn", slug="ynys-mon")

    response = admin_client.get(reverse("admin:assessments_council_change", args=[council.pk]))

    assert "welsh_first" in response.context["adminform"].form.fields


def test_a_drafts_preview_shows_its_welsh_in_welsh(admin_client, draft_version):
    Question.objects.filter(checklist=draft_version, code="encourage-creativity").update(
        text_cy="Ydych chi’n gwobrwyo meddwl creadigol?"
    )
    url = reverse(
        "admin:assessments_checklistversion_preview_area", args=[draft_version.pk, "climate"]
    )

    welsh = admin_client.get(url, {"language": "cy"}).content.decode()
    english = admin_client.get(url).content.decode()

    assert "Ydych chi’n gwobrwyo meddwl creadigol?" in welsh
    assert "Do you encourage creativity?" not in welsh
    assert '<html lang="cy"' in welsh
    # Its links stay in the Welsh preview, and its switch leads to the same page in English.
    assert f'href="{url}" lang="en" hreflang="en"' in welsh
    assert re.search(r'href="[^"]*/preview/areas/[a-z-]+/\?language=cy"', welsh)
    assert "Do you encourage creativity?" in english
    assert f'href="{url}?language=cy" lang="cy" hreflang="cy"' in english


def test_a_preview_in_an_unknown_language_is_in_english(admin_client, draft_version):
    url = reverse("admin:assessments_checklistversion_preview", args=[draft_version.pk])

    html = admin_client.get(url, {"language": "fr"}).content.decode()

    assert '<html lang="en-GB"' in html


def test_an_areas_page_quotes_the_area_in_welsh(client, councillor, draft):
    climate = Area.objects.get(checklist=draft.checklist, code="climate")
    first_quote = climate.quotes.order_by("order").first()
    assert first_quote is not None
    client.force_login(councillor)
    url = reverse("assessments:area", args=[draft.pk, "climate"])

    html = welsh_get(client, url).content.decode()

    assert first_quote.text_cy in html
    assert first_quote.text_en_gb not in html
