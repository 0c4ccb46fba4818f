"""
Refusals: a rule of the service said no.

Every refusal a person can meet (a page posted from a stale copy, an assessment not yet complete,
a group, sharing, invitation or versioning rule) is a subclass of `Refusal`. Its message is written
for the person, in plain English, and is shown as it is; views turn refusals into messages one way.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Refusal(Exception):
    """A domain rule refused an action. `str(refusal)` is the message for the person."""

    # Lazy where it is set on a class, so it is translated when shown, not when imported.
    default_message: str | Promise = _("That could not be done.")

    def __init__(self, message: str | Promise | None = None):
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)
