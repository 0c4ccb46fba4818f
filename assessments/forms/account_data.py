"""The form that confirms deleting your own account."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.forms.accounts import ErrorBorderMixin
from assessments.models import User


class DeleteAccountForm(ErrorBorderMixin, forms.Form):
    """Deleting an account cannot be undone, so the person types their password to confirm."""

    WRONG_PASSWORD = _("Your password is not correct. Enter the password you use to sign in")

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "govuk-!-width-two-thirds"}
        ),
        error_messages={"required": _("Enter your password to confirm")},
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            "password", Button.warning("delete", _("Delete your account and answers"))
        )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(self.WRONG_PASSWORD)
        return password
