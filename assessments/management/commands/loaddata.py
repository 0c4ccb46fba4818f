"""
Django's `loaddata`, checking checklist fixtures before it loads them.

Django's own command looks every object up by its natural key and saves over whatever it finds,
so a fixture that lists two questions with the same code silently keeps the second one, and a
question whose area is missing fails with "Question has no area.". This command (an app's command
overrides Django's of the same name) reads each JSON fixture first and refuses it, naming the
culprit, when:

* two objects of the fixture have the same natural key (a question code twice in one checklist
  version, an area twice, ...). Loading a fixture again in a later run still updates its rows in
  place, so `loaddata checklist` stays idempotent;
* an object points, by natural key, at a checklist version or area that is neither earlier in
  the fixture nor in the database (Django finds each object by a natural key that runs through
  its version or area, so those must come first).

Then Django's loaddata runs inside one transaction, and anything the database itself refuses
(a constraint, a reference this check cannot see) becomes a plain error. Either way, after an
error nothing has changed. Fixtures that are not plain JSON files skip the check.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError, transaction

from assessments.models import Area, ChecklistVersion

Key = tuple[Any, ...]

# How each checklist model's natural key is read from a fixture object's fields.
NATURAL_KEYS: dict[str, Callable[[dict[str, Any]], Key]] = {
    "assessments.checklistversion": lambda f: (f["number"],),
    "assessments.area": lambda f: (f["checklist"][0], f["code"]),
    "assessments.question": lambda f: (f["area"][0], f["code"]),
    "assessments.answeroption": lambda f: (f["checklist"][0], f["code"]),
    "assessments.quote": lambda f: (f["area"][0], f["area"][1], f["order"]),
}

# The references by natural key that the check follows: field name to the model it points at.
REFERENCES = {
    "checklist": "assessments.checklistversion",
    "based_on": "assessments.checklistversion",
    "area": "assessments.area",
}


def natural_key(model: str, fields: dict[str, Any]) -> Key | None:
    """The natural key of a checklist object as the fixture lists it; None for any other object,
    or one that refers to its version or area by primary key (the database checks those)."""
    try:
        return NATURAL_KEYS[model](fields)
    except (KeyError, TypeError, IndexError):
        return None


def describe(model: str, key: Key) -> str:
    """Plain words for the object of `model` with natural key `key`."""
    match model:
        case "assessments.checklistversion":
            return f"checklist version {key[0]}"
        case "assessments.area":
            return f"area '{key[1]}' in checklist version {key[0]}"
        case "assessments.question":
            return f"question code '{key[1]}' in checklist version {key[0]}"
        case "assessments.quote":
            return f"quote {key[2]} of area '{key[1]}' in checklist version {key[0]}"
        case "assessments.answeroption":
            return f"answer option '{key[1]}' in checklist version {key[0]}"
    return f"{model} {key}"


def describe_object(model: str, fields: dict[str, Any]) -> str:
    """Plain words for an object as the fixture lists it."""
    name = apps.get_model(model)._meta.verbose_name.capitalize()
    if "number" in fields:
        return f"{name} {fields['number']}"
    if "code" in fields:
        return f"{name} '{fields['code']}'"
    if "order" in fields:
        return f"{name} number {fields['order']}"
    return name


def exists_in_database(model: str, key: Key, using: str) -> bool:
    if model == "assessments.checklistversion":
        return ChecklistVersion.objects.using(using).filter(number=key[0]).exists()
    return Area.objects.using(using).filter(checklist__number=key[0], code=key[1]).exists()


def fixture_problem(objects: list[dict[str, Any]], where: str, using: str) -> str | None:
    """The first reason to refuse the fixture `objects` (named `where`), or None."""
    seen: dict[tuple[str, Key], dict[str, Any]] = {}
    for obj in objects:
        model, fields = str(obj.get("model", "")).lower(), obj.get("fields", {})
        if model not in NATURAL_KEYS:
            continue
        # Django finds each object by a natural key that runs through its version or area, so
        # those must be loaded already: earlier in the fixture, or in the database.
        for name, target in REFERENCES.items():
            value = fields.get(name)
            if not isinstance(value, list):
                continue
            ref = tuple(value)
            if (target, ref) not in seen and not exists_in_database(target, ref, using):
                noun = apps.get_model(target)._meta.verbose_name
                return (
                    f"{describe_object(model, fields)} in fixture '{where}' points at "
                    f"{describe(target, ref)}, which does not exist. Add the {noun} to the "
                    "fixture before anything that points at it, or correct the reference."
                )
        key = natural_key(model, fields)
        if key is None:
            continue
        if (model, key) in seen:
            message = f"Duplicate {describe(model, key)} (fixture '{where}')."
            if model != "assessments.question":
                return message + " Each one may appear only once."
            first_area, area = seen[(model, key)]["area"][1], fields["area"][1]
            if first_area == area:
                message += f" It appears twice in area '{area}'."
            else:
                message += f" It is used in area '{first_area}' and again in area '{area}'."
            return message + " Each question code may appear only once in a checklist version."
        seen[(model, key)] = fields
    return None


def json_fixture_files(label: str, app_label: str | None) -> list[Path]:
    """The plain JSON files `loaddata` would read for `label`: an absolute path, or a name (or
    relative path) looked up, as Django does, in every app's fixtures folder, FIXTURE_DIRS and
    the current folder. Compressed and other formats are not listed."""
    path = Path(label)
    if not path.suffix:
        path = path.with_name(f"{path.name}.json")
    if path.suffix != ".json":
        return []
    if path.is_absolute():
        return [path] if path.is_file() else []
    folders = (
        [
            Path(app.path) / "fixtures"
            for app in apps.get_app_configs()
            if app_label is None or app.label == app_label
        ]
        + [Path(folder) for folder in settings.FIXTURE_DIRS]
        + [Path()]
    )
    return [folder / path for folder in folders if (folder / path).is_file()]


class Command(loaddata.Command):
    help = (
        "Installs the named fixture(s) in the database, refusing a fixture that lists the same "
        "natural key twice or points at a checklist version or area that does not exist."
    )

    def handle(self, *fixture_labels: str, **options: Any) -> None:
        using = options["database"]
        for label in fixture_labels:
            for path in json_fixture_files(label, options.get("app_label")):
                try:
                    objects = json.loads(path.read_text())
                except ValueError:
                    continue  # Django's loaddata reports a file it cannot read
                if isinstance(objects, list) and (
                    problem := fixture_problem(objects, label, using)
                ):
                    raise CommandError(problem)
        try:
            with transaction.atomic(using=using):
                super().handle(*fixture_labels, **options)
        except (IntegrityError, DeserializationError) as error:
            raise CommandError(f"The fixture could not be loaded: {error}") from error
