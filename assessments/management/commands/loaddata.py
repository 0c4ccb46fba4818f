"""
Django's `loaddata`, strict about natural keys.

Django's own command looks every object up by its natural key and saves over whatever it finds,
so a fixture that lists two questions with the same code silently keeps the second one, and a
question whose area is missing fails with "Question has no area.". This command (an app's command
overrides Django's of the same name) refuses both with a message that names the culprit:

* A second object with a natural key already loaded in the same run is an error. Loading a fixture
  again in a later run still updates its rows in place, so `loaddata checklist` stays idempotent.
* An object that points at a related object that exists neither in the database nor earlier in
  the fixture is an error naming the missing object.

Django runs the whole load in one transaction, so after either error nothing has changed.
"""

import json
import os

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError

from assessments.models import AnswerOption, Area, ChecklistVersion, Question, Quote

READ_STDIN = loaddata.READ_STDIN


def describe_key(model, key) -> str:
    """Plain words for the object of `model` with natural key `key`."""
    key = tuple(key)
    if model is ChecklistVersion:
        return f"checklist version {key[0]}"
    if model is Area:
        return f"area '{key[1]}' in checklist version {key[0]}"
    if model is Question:
        return f"question code '{key[1]}' in checklist version {key[0]}"
    if model is Quote:
        return f"quote {key[2]} of area '{key[1]}' in checklist version {key[0]}"
    if model is AnswerOption:
        return f"answer option '{key[1]}' in checklist version {key[0]}"
    return f"{model._meta.verbose_name} {', '.join(str(part) for part in key)}"


def _describe_raw_object(model, fields: dict) -> str:
    """Plain words for an object as the fixture lists it, before it could be built."""
    name = model._meta.verbose_name.capitalize()
    if "code" in fields:
        return f"{name} '{fields['code']}'"
    if "order" in fields:
        return f"{name} number {fields['order']}"
    return name


def _is_missing_object(error: BaseException) -> bool:
    while error is not None:
        if isinstance(error, ObjectDoesNotExist):
            return True
        error = error.__cause__ or error.__context__
    return False


class Command(loaddata.Command):
    help = (
        "Installs the named fixture(s) in the database, refusing a fixture that lists the same "
        "natural key twice or points at an object that does not exist."
    )

    def loaddata(self, fixture_labels):
        self.seen_natural_keys = {}
        self.counted_fixture = None
        self.objects_seen_in_fixture = 0
        try:
            super().loaddata(fixture_labels)
        except DeserializationError as error:
            # Forward references are resolved after every object is saved; one still missing then
            # is reported here, without the precise object `load_label` can name.
            if _is_missing_object(error):
                raise CommandError(
                    f"A fixture points at something that does not exist: {error}"
                ) from error
            raise

    def load_label(self, fixture_label):
        self.current_fixture_label = fixture_label
        first_fixture_number = self.fixture_count + 1
        try:
            super().load_label(fixture_label)
        except DeserializationError as error:
            if not _is_missing_object(error):
                raise
            fixture_files = self.find_fixtures(fixture_label)
            fixture_file = fixture_files[self.fixture_count - first_fixture_number][0]
            raise CommandError(self._missing_object_message(fixture_file, error)) from error

    def save_obj(self, obj):
        self._count_object()
        self._refuse_duplicate_natural_key(obj.object)
        return super().save_obj(obj)

    def _count_object(self):
        # Which object of the current fixture file is being saved, so that when the next one
        # fails to build we know where it is in the file.
        if self.counted_fixture != self.fixture_count:
            self.counted_fixture = self.fixture_count
            self.objects_seen_in_fixture = 0
        self.objects_seen_in_fixture += 1

    def _refuse_duplicate_natural_key(self, instance):
        if not hasattr(instance, "natural_key"):
            return
        try:
            natural_key = instance.natural_key()
        except ObjectDoesNotExist:
            # Its natural key hangs off a forward reference; Django resolves that later.
            return
        model = type(instance)
        seen_key = (model._meta.label, natural_key)
        where = self.current_fixture_label
        if seen_key in self.seen_natural_keys:
            message = f"Duplicate {describe_key(model, natural_key)} (fixture '{where}')."
            if model is Question:
                first_area, area = self.seen_natural_keys[seen_key], instance.area.code
                if first_area == area:
                    message += f" It appears twice in area '{area}'."
                else:
                    message += f" It is used in area '{first_area}' and again in area '{area}'."
                message += " Each question code may appear only once in a checklist version."
            else:
                message += " Each one may appear only once."
            raise CommandError(message)
        self.seen_natural_keys[seen_key] = instance.area.code if model is Question else None

    def _missing_object_message(self, fixture_file: str, error: Exception) -> str:
        generic = (
            f"An object in fixture '{fixture_file}' points at something that does not exist "
            f"({error.__cause__ or error})."
        )
        raw_objects = self._read_json_fixture(fixture_file)
        if raw_objects is None:
            return generic
        # Every object before the failing one went through `save_obj`.
        failing_index = (
            self.objects_seen_in_fixture if self.counted_fixture == self.fixture_count else 0
        )
        if failing_index >= len(raw_objects):
            return generic
        raw = raw_objects[failing_index]
        try:
            model = apps.get_model(raw["model"])
        except (LookupError, TypeError, ValueError, KeyError):
            return generic
        fields = raw.get("fields", {})
        for name, value in fields.items():
            field = model._meta.get_field(name)
            if not field.many_to_one or value is None:
                continue
            related = field.related_model
            try:
                if isinstance(value, list):
                    related._default_manager.db_manager(self.using).get_by_natural_key(*value)
                else:
                    related._default_manager.db_manager(self.using).get(pk=value)
            except related.DoesNotExist:
                target = (
                    describe_key(related, value)
                    if isinstance(value, list)
                    else f"{related._meta.verbose_name} with id {value}"
                )
                return (
                    f"{_describe_raw_object(model, fields)} in fixture '{fixture_file}' points at "
                    f"{target}, which does not exist. Add the {related._meta.verbose_name} to the "
                    f"fixture before anything that points at it, or correct the reference."
                )
        return generic

    def _read_json_fixture(self, fixture_file: str) -> list | None:
        if fixture_file == READ_STDIN:
            return None
        _, ser_fmt, cmp_fmt = self.parse_name(os.path.basename(fixture_file))
        if ser_fmt != "json":
            return None
        open_method, mode = self.compression_formats[cmp_fmt]
        with open_method(fixture_file, mode) as fixture:
            try:
                objects = json.load(fixture)
            except ValueError:
                return None
        return objects if isinstance(objects, list) else None
