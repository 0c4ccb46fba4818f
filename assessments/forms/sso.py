"""The email address that leads to a council's own sign-in (`assessments.sso`)."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments import sso
from assessments.forms.accounts import EMAIL_FORMAT_ERROR, ErrorBorderMixin, LowerCaseEmailField

NO_COUNCIL_SIGN_IN = _(
    "Your council does not offer sign-in with a council account. Sign in with your email "
    "address and password instead."
)


class CouncilSignInForm(ErrorBorderMixin, forms.Form):
    """Finds the council whose allowed email domains include the address. Saying whether a
    domain has council sign-in tells no one anything about accounts."""

    email = LowerCaseEmailField(
        label=_("Your council email address"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={
                "autocomplete": "email",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-!-width-two-thirds",
            }
        ),
        error_messages={"required": _("Enter your email address"), "invalid": EMAIL_FORMAT_ERROR},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sign_in = None
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout("email", Button("submit", _("Continue")))

    def clean_email(self):
        email = self.cleaned_data["email"]
        self.sign_in = sso.sign_in_for_email(email)
        if self.sign_in is None:
            raise forms.ValidationError(NO_COUNCIL_SIGN_IN)
        return email
