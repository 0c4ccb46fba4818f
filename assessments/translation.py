"""
Content in English and Welsh (django-modeltranslation).

Each translated field gets two columns, `<field>_en_gb` and `<field>_cy`; reading `obj.field`
gives the active language's value, falling back to English where the Welsh is empty (a draft
may have gaps; publishing refuses them, see `versioning.checklist_publish_problems`).

The content's history (django-simple-history) is registered here, after the translation
fields exist, so that each historical row keeps both languages: `HistoricalRecords` copies a
model's fields when it is built, and modeltranslation adds its columns later.
"""

from django.db.models import F, Field, Model, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.text import format_lazy
from modeltranslation.translator import TranslationOptions, translator
from modeltranslation.utils import build_localized_fieldname, get_language
from simple_history import register as register_history

from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote

ENGLISH = "en-gb"
WELSH = "cy"
LANGUAGES = (ENGLISH, WELSH)
# How admin and the history name each column: "Title (English)", "Title (Cymraeg)".
LANGUAGE_NAMES = {ENGLISH: "English", WELSH: "Cymraeg"}

# What a councillor or officer reads, per content model. English is required where the field
# itself is; Welsh may be empty while drafting.
TRANSLATED_FIELDS: dict[type[Model], tuple[str, ...]] = {
    ChecklistVersion: ("title", "introduction", "innovation_definition", "key_findings"),
    Area: ("title", "introduction"),
    Question: ("summary", "text", "guidance", "discussion_prompts", "research_finding"),
    Quote: ("text",),
    AnswerOption: ("label", "hint"),
}


def column(field_name: str, language: str | None = None) -> str:
    """A translated field's column in `language` (the active one by default): `title_cy`."""
    return build_localized_fieldname(field_name, language or get_language())


for model, field_names in TRANSLATED_FIELDS.items():
    options = type(
        f"{model.__name__}TranslationOptions",
        (TranslationOptions,),
        {"fields": field_names, "required_languages": (ENGLISH,)},
    )
    translator.register(model, options)
    for field_name in field_names:
        original = model._meta.get_field(field_name)
        for language in LANGUAGES:
            translated = model._meta.get_field(column(field_name, language))
            assert isinstance(original, Field) and isinstance(translated, Field)
            translated.verbose_name = format_lazy(
                "{} ({})", original.verbose_name, LANGUAGE_NAMES[language]
            )
    # Every edit of the content, with who made it and when: see each object's "History" in
    # admin. The history keeps both languages' columns, not the untranslated one that
    # modeltranslation leaves behind (nothing reads it).
    register_history(model, excluded_fields=list(field_names))


def localized(path: str) -> F | Coalesce:
    """
    A translated field in the active language, falling back to English where it is empty, for
    a query expression: `localized("text")`, or through relations, `localized("question__area__title")`.
    modeltranslation rewrites `values("text")` on a content model into every language's column,
    which a subquery cannot return, and does not rewrite a path from another model at all (that
    would read the untranslated column).
    """
    *relations, field_name = path.split("__")

    def at(name: str) -> F:
        return F("__".join([*relations, name]))

    english = at(column(field_name, ENGLISH))
    if column(field_name) == column(field_name, ENGLISH):
        return english
    text = TextField()
    return Coalesce(
        NullIf(at(column(field_name)), Value(""), output_field=text), english, output_field=text
    )
