"""
What changed between two checklist versions, in words an admin reads before publishing.

The rules:

* Things are matched by their codes, never by their ids: areas by area code, key actions by
  question code (across the whole version, so a key action moved to another area is the same
  key action, "moved"), answer options by option code, and quotes by their area's code and
  their order. The version's own texts (title, introduction, definition of innovation, key
  findings) are compared field by field.
* Each thing is added, removed, or changed; each changed field is "reworded" when it is words
  (the question, summary, guidance, a quote, a hint ...) and "changed" otherwise (points,
  research priority, order, area).
* A key action's quote is one of its fields, "Quote": pointing it at another quote, or keeping
  the link while the quote's words change, is a change of it.
* Every text is compared in English and in Welsh: a Welsh-only rewording is a change, named
  "The question (Cymraeg)" and so on (the English keeps its plain name). Adding a Welsh
  translation where there was none is shown too, so a draft that only adds Welsh can be published.
* Text is compared with line endings made alike and spaces at either end ignored, as a browser
  sends the same text back with other line endings. A key action's summary and question count as
  reworded exactly when `scoring.wording_differs` says so: those are the key actions
  councillors are asked again (`VersionChanges.reworded_codes`).

`compare_versions` reads each version in four queries, whatever its size, and returns plain
values: frozen dataclasses of strings, for a template or a test to read.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote
from assessments.scoring import wording_differs
from assessments.translation import ENGLISH, LANGUAGE_NAMES, WELSH, column


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REWORDED = "reworded"
    CHANGED = "changed"


@dataclass(frozen=True)
class FieldChange:
    """One field of one thing, before and after ("" when it has none on that side)."""

    name: str  # the field's human name: "The question", "Points", ...
    kind: ChangeKind
    old: str
    new: str


@dataclass(frozen=True)
class ItemChange:
    """A key action, quote or answer option added, removed or changed."""

    kind: ChangeKind  # ADDED, REMOVED or CHANGED
    code: str
    name: str  # how an admin knows it: the key action's summary, "Quote 3", the option's label
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class AreaChanges:
    """One area's own changes, and those of its key actions and quotes."""

    code: str
    title: str
    kind: ChangeKind | None  # ADDED, REMOVED, or None for an area in both versions
    fields: tuple[FieldChange, ...]
    key_actions: tuple[ItemChange, ...]
    quotes: tuple[ItemChange, ...]


@dataclass(frozen=True)
class VersionChanges:
    old_number: int
    new_number: int
    fields: tuple[FieldChange, ...]  # the version's own texts
    areas: tuple[AreaChanges, ...]  # only areas with a change, in the new version's order
    answer_options: tuple[ItemChange, ...]
    reworded_codes: tuple[str, ...]  # key actions in both versions, asked in other words
    reworded_key_actions: tuple[str, ...] = field(default=())  # their summaries, in the new words

    @property
    def is_empty(self) -> bool:
        return not (self.fields or self.areas or self.answer_options)

    def summary(self) -> str:
        """One line: "3 key actions reworded, 1 quote changed, 1 area added", or "No changes"."""
        key_actions = [item for area in self.areas for item in area.key_actions]
        quotes = [item for area in self.areas for item in area.quotes]
        reworded = set(self.reworded_codes)

        def count(items, kind) -> int:
            return sum(1 for item in items if item.kind == kind)

        otherwise = sum(
            1
            for item in key_actions
            if item.kind == ChangeKind.CHANGED and item.code not in reworded
        )
        areas_changed = sum(1 for area in self.areas if area.kind is None and area.fields)
        # Literal strings in each ngettext call, so that makemessages finds them.
        parts = [
            ngettext("%d key action reworded", "%d key actions reworded", n) % n
            if (n := len(reworded))
            else "",
            ngettext("%d key action otherwise changed", "%d key actions otherwise changed", n) % n
            if (n := otherwise)
            else "",
            ngettext("%d key action added", "%d key actions added", n) % n
            if (n := count(key_actions, ChangeKind.ADDED))
            else "",
            ngettext("%d key action removed", "%d key actions removed", n) % n
            if (n := count(key_actions, ChangeKind.REMOVED))
            else "",
            ngettext("%d quote changed", "%d quotes changed", n) % n
            if (n := count(quotes, ChangeKind.CHANGED))
            else "",
            ngettext("%d quote added", "%d quotes added", n) % n
            if (n := count(quotes, ChangeKind.ADDED))
            else "",
            ngettext("%d quote removed", "%d quotes removed", n) % n
            if (n := count(quotes, ChangeKind.REMOVED))
            else "",
            ngettext("%d area changed", "%d areas changed", n) % n if (n := areas_changed) else "",
            ngettext("%d area added", "%d areas added", n) % n
            if (n := count(self.areas, ChangeKind.ADDED))
            else "",
            ngettext("%d area removed", "%d areas removed", n) % n
            if (n := count(self.areas, ChangeKind.REMOVED))
            else "",
            ngettext("%d answer option changed", "%d answer options changed", n) % n
            if (n := count(self.answer_options, ChangeKind.CHANGED))
            else "",
            ngettext("%d answer option added", "%d answer options added", n) % n
            if (n := count(self.answer_options, ChangeKind.ADDED))
            else "",
            ngettext("%d answer option removed", "%d answer options removed", n) % n
            if (n := count(self.answer_options, ChangeKind.REMOVED))
            else "",
            ngettext("%d version text changed", "%d version texts changed", n) % n
            if (n := len(self.fields))
            else "",
        ]
        return ", ".join(part for part in parts if part) or _("No changes")


# --- Reading a version -------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    areas: dict[str, Area]
    questions: dict[str, Question]
    quotes: dict[tuple[str, int], Quote]
    options: dict[str, AnswerOption]


def _read(checklist: ChecklistVersion) -> _Version:
    areas = {area.code: area for area in Area.objects.filter(checklist=checklist)}
    questions = {
        question.code: question
        for question in Question.objects.filter(checklist=checklist).select_related(
            "area", "quote__area"
        )
    }
    quotes = {
        (quote.area.code, quote.order): quote
        for quote in Quote.objects.filter(area__checklist=checklist).select_related("area")
    }
    options = {option.code: option for option in AnswerOption.objects.filter(checklist=checklist)}
    return _Version(areas=areas, questions=questions, quotes=quotes, options=options)


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def _english(obj, field: str) -> str:
    return getattr(obj, column(field, ENGLISH)) or ""


def _welsh(obj, field: str) -> str:
    return getattr(obj, column(field, WELSH)) or ""


def _in_welsh(name: str) -> str:
    return f"{name} ({LANGUAGE_NAMES[WELSH]})"


def _both(name: str, old, new, field: str) -> list[FieldChange]:
    """A translated field's rewording in English, then in Welsh."""
    return [
        *_words(name, _english(old, field), _english(new, field)),
        *_words(_in_welsh(name), _welsh(old, field), _welsh(new, field)),
    ]


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _points(value: int | None) -> str:
    return _("Not scored") if value is None else str(value)


def _quote(quote: Quote | None) -> str:
    return _text(_english(quote, "text")) if quote is not None else _("No quote")


def _quote_key(quote: Quote | None) -> tuple[str, int] | None:
    return (quote.area.code, quote.order) if quote is not None else None


def _field_name(model, name: str) -> str:
    """A field's name as admins read it on its admin page and in its history."""
    return capfirst(model._meta.get_field(name).verbose_name)


def _words(name: str, old: str, new: str) -> list[FieldChange]:
    old, new = _text(old), _text(new)
    return [FieldChange(name, ChangeKind.REWORDED, old, new)] if old != new else []


def _value(name: str, old: str, new: str) -> list[FieldChange]:
    return [FieldChange(name, ChangeKind.CHANGED, old, new)] if old != new else []


# --- Comparing -----------------------------------------------------------------------------


def _question_fields(old: Question, new: Question) -> list[FieldChange]:
    changes = []
    for asked in ("summary", "text"):
        name = _field_name(Question, asked)
        if wording_differs(old, new):
            changes += _words(name, _english(old, asked), _english(new, asked))
        changes += _words(_in_welsh(name), _welsh(old, asked), _welsh(new, asked))
    changes += _both(_field_name(Question, "guidance"), old, new, "guidance")
    if _quote_key(old.quote) != _quote_key(new.quote):
        changes.append(
            FieldChange(_("Quote"), ChangeKind.CHANGED, _quote(old.quote), _quote(new.quote))
        )
    elif old.quote is not None and new.quote is not None:
        changes += _both(_("Quote"), old.quote, new.quote, "text")
    changes += _both(_field_name(Question, "discussion_prompts"), old, new, "discussion_prompts")
    changes += _value(
        _("Research priority"),
        _yes_no(old.is_research_priority),
        _yes_no(new.is_research_priority),
    )
    changes += _both(_field_name(Question, "research_finding"), old, new, "research_finding")
    if old.area.code != new.area.code:
        changes += _value(_("Area"), old.area.title, new.area.title)
    changes += _value(_("Order"), str(old.order), str(new.order))
    return changes


def _question_texts(question: Question) -> tuple[FieldChange, ...]:
    """The wording of a key action added or removed, to show it whole."""
    return tuple(
        FieldChange(name, ChangeKind.REWORDED, value, value)
        for name, value in [
            (_field_name(Question, "summary"), question.summary),
            (_field_name(Question, "text"), question.text),
            (_field_name(Question, "guidance"), _text(question.guidance)),
        ]
        if value
    )


def _key_actions(old: _Version, new: _Version) -> dict[str, list[ItemChange]]:
    """Key-action changes by the code of the area they are shown under (the new one's, or the
    old one's for a key action removed)."""
    by_area: dict[str, list[ItemChange]] = {}
    for code, question in new.questions.items():
        before = old.questions.get(code)
        if before is None:
            item = ItemChange(ChangeKind.ADDED, code, question.summary, _question_texts(question))
        else:
            fields = _question_fields(before, question)
            if not fields:
                continue
            item = ItemChange(ChangeKind.CHANGED, code, question.summary, tuple(fields))
        by_area.setdefault(question.area.code, []).append(item)
    for code, question in old.questions.items():
        if code not in new.questions:
            item = ItemChange(ChangeKind.REMOVED, code, question.summary, _question_texts(question))
            by_area.setdefault(question.area.code, []).append(item)
    return by_area


def _quotes(old: _Version, new: _Version) -> dict[str, list[ItemChange]]:
    by_area: dict[str, list[ItemChange]] = {}
    for key in sorted(set(old.quotes) | set(new.quotes)):
        area_code, order = key
        before, after = old.quotes.get(key), new.quotes.get(key)
        name = _("Quote %(order)d") % {"order": order}
        code = f"{area_code}-{order}"
        if before is None and after is not None:
            fields = (FieldChange(_("Quote"), ChangeKind.ADDED, "", _text(after.text)),)
            item = ItemChange(ChangeKind.ADDED, code, name, fields)
        elif after is None and before is not None:
            fields = (FieldChange(_("Quote"), ChangeKind.REMOVED, _text(before.text), ""),)
            item = ItemChange(ChangeKind.REMOVED, code, name, fields)
        elif before is not None and after is not None:
            changes = _both(_("Quote"), before, after, "text")
            if not changes:
                continue
            item = ItemChange(ChangeKind.CHANGED, code, name, tuple(changes))
        else:  # pragma: no cover - a key is in one of the two
            continue
        by_area.setdefault(area_code, []).append(item)
    return by_area


def _area_fields(old: Area, new: Area) -> list[FieldChange]:
    return [
        *_both(_("Title"), old, new, "title"),
        *_both(_("Introduction"), old, new, "introduction"),
        *_value(_("Order"), str(old.order), str(new.order)),
    ]


def _option_fields(old: AnswerOption, new: AnswerOption) -> list[FieldChange]:
    return [
        *_both(_("Label"), old, new, "label"),
        *_value(_("Points"), _points(old.points), _points(new.points)),
        *_both(_("Hint"), old, new, "hint"),
        *_value(_("Order"), str(old.order), str(new.order)),
    ]


def _option_texts(option: AnswerOption) -> tuple[FieldChange, ...]:
    return (
        FieldChange(_("Label"), ChangeKind.REWORDED, option.label, option.label),
        FieldChange(
            _("Points"), ChangeKind.CHANGED, _points(option.points), _points(option.points)
        ),
        *(
            (FieldChange(_("Hint"), ChangeKind.REWORDED, option.hint, option.hint),)
            if option.hint
            else ()
        ),
    )


def _answer_options(old: _Version, new: _Version) -> list[ItemChange]:
    changes = []
    for code, option in sorted(new.options.items(), key=lambda item: item[1].order):
        before = old.options.get(code)
        if before is None:
            changes.append(ItemChange(ChangeKind.ADDED, code, option.label, _option_texts(option)))
        elif fields := _option_fields(before, option):
            changes.append(ItemChange(ChangeKind.CHANGED, code, option.label, tuple(fields)))
    for code, option in sorted(old.options.items(), key=lambda item: item[1].order):
        if code not in new.options:
            changes.append(
                ItemChange(ChangeKind.REMOVED, code, option.label, _option_texts(option))
            )
    return changes


def _version_fields(old: ChecklistVersion, new: ChecklistVersion) -> list[FieldChange]:
    return [
        *_both(_("Title"), old, new, "title"),
        *_both(_("Introduction"), old, new, "introduction"),
        *_both(_("Definition of innovation"), old, new, "innovation_definition"),
        *_both(_("Key findings"), old, new, "key_findings"),
    ]


def compare_versions(*, old: ChecklistVersion, new: ChecklistVersion) -> VersionChanges:
    """What changed from `old` to `new` (see the module's docstring for the rules)."""
    before, after = _read(old), _read(new)
    key_actions = _key_actions(before, after)
    quotes = _quotes(before, after)
    areas = []
    in_order = sorted(after.areas.values(), key=lambda area: area.order) + sorted(
        (area for code, area in before.areas.items() if code not in after.areas),
        key=lambda area: area.order,
    )
    for area in in_order:
        was = before.areas.get(area.code)
        if area.code not in after.areas:
            kind: ChangeKind | None = ChangeKind.REMOVED
            fields: list[FieldChange] = []
        elif was is None:
            kind, fields = ChangeKind.ADDED, []
        else:
            kind, fields = None, _area_fields(was, area)
        area_key_actions = tuple(key_actions.get(area.code, ()))
        area_quotes = tuple(quotes.get(area.code, ()))
        if kind is None and not (fields or area_key_actions or area_quotes):
            continue
        areas.append(
            AreaChanges(
                code=area.code,
                title=area.title,
                kind=kind,
                fields=tuple(fields),
                key_actions=area_key_actions,
                quotes=area_quotes,
            )
        )
    reworded = [
        question
        for code, question in sorted(
            after.questions.items(), key=lambda item: (item[1].area.order, item[1].order)
        )
        if code in before.questions and wording_differs(before.questions[code], question)
    ]
    return VersionChanges(
        old_number=old.number,
        new_number=new.number,
        fields=tuple(_version_fields(old, new)),
        areas=tuple(areas),
        answer_options=tuple(_answer_options(before, after)),
        reworded_codes=tuple(question.code for question in reworded),
        reworded_key_actions=tuple(question.summary for question in reworded),
    )
