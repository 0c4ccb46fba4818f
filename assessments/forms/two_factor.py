"""The two-factor forms: one code box each. The views check the code (assessments.two_factor)."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.forms.accounts import ErrorBorderMixin


class CodeForm(ErrorBorderMixin, forms.Form):
    """The 6-digit code from the authenticator app (or, at sign-in, a recovery code)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
        ),
        error_messages={"required": _("Enter the code")},
    )

    def __init__(self, *args, button, hint=None, **kwargs):
        super().__init__(*args, **kwargs)
        if hint is not None:
            self.fields["code"].help_text = hint
        self.helper = FormHelper()
        # The server validates, so errors appear in the GOV.UK error summary.
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(Field.text("code", field_width=10), Button("submit", button))

    def refuse(self, *, wait: bool) -> None:
        """Show why the code was not accepted, in the person's words."""
        message = (
            _("You have entered a wrong code several times. Wait a minute, then try again")
            if wait
            else _("The code is not right. Enter the code your app shows now")
        )
        self.add_error("code", message)
