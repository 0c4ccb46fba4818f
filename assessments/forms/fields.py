"""
Choice fields that take database ids from the client.

Django's `ModelMultipleChoiceField` passes the posted ids straight to an `IN (...)` query. An id
too large for a 64-bit integer (`99999999999999999999`) makes SQLite's driver raise
`OverflowError`, a 500, where PostgreSQL just finds nothing. `IdsChoiceField` refuses such an id
first, with the field's own `invalid_choice` message, so an out-of-range id is a form error on
every database. (`ModelChoiceField` needs no help: Django's exact lookup on an integer column
already treats an out-of-range id as "no such row". The tests post one to every such field.)
"""

from django import forms
from django.core.exceptions import ValidationError

# The widest id column in the service (a BigAutoField) holds signed 64-bit integers.
LARGEST_ID = 2**63 - 1


def _out_of_range(value) -> bool:
    try:
        number = int(str(value).strip())
    except ValueError:
        return False  # not a number at all: Django's own check refuses it
    return not -LARGEST_ID - 1 <= number <= LARGEST_ID


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A `ModelMultipleChoiceField` that refuses any id no database column could hold."""

    def _check_values(self, value):
        for item in value if isinstance(value, list | tuple) else ():
            if _out_of_range(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)
