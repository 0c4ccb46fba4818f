"""Inviting a list of councillors at once: the officers' bulk-invite form."""

import csv
import io
import unicodedata

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.invitations import InviteLine, LineProblem

MAX_UPLOAD_BYTES = 100_000
MAX_LINES = 500
NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
CONTROL_CHARACTER_ERROR = _(
    "Remove the hidden character (a control character, often left by a spreadsheet program) "
    "by typing it again"
)


def has_control_character(text: str) -> bool:
    """
    True if `text` holds a control character (Unicode category Cc: NUL, tab, bell, escape,
    DEL, ...). None belongs in a name or an email address; they arrive hidden in files saved by
    spreadsheet programs, and PostgreSQL refuses NUL outright.
    """
    return any(unicodedata.category(character) == "Cc" for character in text)


def validate_no_control_characters(value: str) -> None:
    """The typed invitation form's rule, shared with every line of a list (`BulkInviteForm`)."""
    if has_control_character(value):
        raise ValidationError(CONTROL_CHARACTER_ERROR, code="control_character")


class BulkInviteForm(forms.Form):
    """
    A list of councillors to invite, one "Name, email" a line: pasted, or as a CSV file.

    `clean` refuses only what makes the whole list unusable (nothing given, both given, a file
    that is too big or not text). Each line is then checked on its own: the good ones become
    `lines` and the others `problems`, each with its line number and a plain reason, so one
    mistake never holds back the rest. A pasted line and an uploaded one are checked the same
    way, by the typed invitation form's rules: a name or address with a control character in it
    (a NUL byte, say) is a line to correct, never stored.
    """

    pasted = forms.CharField(
        label=_("Paste a list"),
        required=False,
        strip=False,
        help_text=_(
            "One councillor a line: their full name, a comma, then their email address. "
            "For example: Alex Morgan, alex.morgan@example.org"
        ),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    csv_file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        help_text=_(
            "Two columns, name then email address, as saved from a spreadsheet. "
            "A first row of headings is fine. Up to 100 KB."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv", "class": "govuk-file-upload"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[InviteLine] = []
        self.problems: list[LineProblem] = []
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field.textarea("pasted"),
            Field("csv_file"),
            Button("submit", _("Send invitations")),
        )

    def clean(self):
        pasted = self.cleaned_data.get("pasted", "")
        upload = self.cleaned_data.get("csv_file")
        if upload and pasted.strip():
            raise ValidationError(
                gettext("Paste a list or upload a file, not both. Clear one of them and try again.")
            )
        if upload:
            text = self._read_upload(upload)
        elif pasted.strip():
            text = pasted
        else:
            self.add_error("pasted", gettext("Paste a list of councillors, or upload a CSV file"))
            return self.cleaned_data
        self._parse(text)
        return self.cleaned_data

    def _read_upload(self, upload) -> str:
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                {
                    "csv_file": gettext(
                        "The file must be 100 KB or smaller. Split the list into parts."
                    )
                }
            )
        try:
            # utf-8-sig drops the byte-order mark that spreadsheet programs often add.
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                {
                    "csv_file": gettext(
                        "The file must be a CSV saved as UTF-8 text. Save it again as “CSV UTF-8”."
                    )
                }
            ) from None

    def _parse(self, text: str) -> None:
        physical_lines = text.splitlines()
        if len([line for line in physical_lines if line.strip()]) > MAX_LINES:
            raise ValidationError(
                gettext("Invite up to %(count)d councillors at a time.") % {"count": MAX_LINES}
            )
        reader = csv.reader(io.StringIO("\n".join(physical_lines)), skipinitialspace=True)
        try:
            for cells in reader:
                self._parse_line(reader.line_num, cells)
        except csv.Error:
            raise ValidationError(
                gettext("Line %(number)d could not be read: check for a stray quotation mark.")
                % {"number": reader.line_num}
            ) from None

    def _parse_line(self, number: int, cells: list[str]) -> None:
        cells = [cell.strip() for cell in cells]
        while cells and not cells[-1]:
            cells.pop()  # spreadsheets add empty columns
        if not cells:
            return
        text = ", ".join(cells)
        if (
            number == 1
            and len(cells) == 2
            and cells[1].lower().replace(" ", "")
            in {
                "email",
                "emailaddress",
                "e-mail",
            }
        ):
            return  # a row of headings

        def problem(reason: str) -> None:
            self.problems.append(LineProblem(number, text, reason))

        if len(cells) == 1:
            return problem(gettext("Put a comma between the name and the email address."))
        if len(cells) > 2:
            return problem(
                gettext(
                    "There are more than two parts. Give the name, a comma, then the email address."
                )
            )
        name, email = cells
        if not name:
            return problem(gettext("The name is missing."))
        if has_control_character(name):
            return problem(
                gettext("The name has a hidden control character in it. Type the name again.")
            )
        if len(name) > NAME_MAX_LENGTH:
            return problem(
                gettext("The name must be %(count)d characters or fewer.")
                % {"count": NAME_MAX_LENGTH}
            )
        if not email:
            return problem(gettext("The email address is missing."))
        if has_control_character(email):
            return problem(
                gettext(
                    "The email address has a hidden control character in it. "
                    "Type the address again."
                )
            )
        try:
            if len(email) > EMAIL_MAX_LENGTH:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            if "@" not in email and "@" in name:
                return problem(gettext("The name and email address are the wrong way round."))
            return problem(
                gettext("The email address is not in the correct format, like name@example.org.")
            )
        self.lines.append(InviteLine(number, name, email.lower()))
