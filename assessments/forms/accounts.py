"""Forms for signing in, passwords and invitations, laid out with the GOV.UK Design System."""

from typing import TYPE_CHECKING

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from assessments.forms.invitations import validate_no_control_characters
from assessments.models import Council, User
from assessments.passwords import password_reset_queue

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EMAIL_FORMAT_ERROR = _("Enter an email address in the correct format, like name@example.org")
NEW_PASSWORD_HINT = _(
    "Use at least 12 characters. A few unrelated words make a strong password that is easy to "
    "remember. Do not use your name, your email address or a common password. "
    "You can paste a password from a password manager."
)
PASSWORD_MISMATCH = _("The passwords do not match. Enter the same password in both boxes.")


class ErrorBorderMixin:
    """
    Red borders on email and password boxes with errors.

    crispy-forms-gds 2.0.1 adds `govuk-input--error` only to TextInput, Select and Textarea
    widgets, so an EmailInput or PasswordInput with an error kept its black border, and a
    Select needs GOV.UK's own `govuk-select--error`.
    """

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if isinstance(widget, forms.EmailInput | forms.PasswordInput):
                error_class = "govuk-input--error"
            elif isinstance(widget, forms.Select):
                error_class = "govuk-select--error"
            else:
                continue
            classes = widget.attrs.get("class", "").split()
            if error_class not in classes:
                widget.attrs["class"] = " ".join([*classes, error_class])


def _helper(form: forms.Form, *names: str, button: "StrOrPromise") -> FormHelper:
    """A layout of the named fields, two-thirds wide, and one button."""
    for name in names:
        widget = form.fields[name].widget
        if not isinstance(widget, forms.Select):
            # On the widget, not a layout Field's css_class: crispy-forms replaces the widget's
            # class attribute with a layout Field's, which would drop the error class above.
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} govuk-!-width-two-thirds"
    helper = FormHelper()
    # The server validates, so that errors appear in the GOV.UK error summary rather than as
    # the browser's own bubbles (which also stop a malformed email reaching the summary).
    helper.attrs = {"novalidate": ""}
    helper.layout = Layout(*names, Button("submit", button))
    return helper


class LowerCaseEmailField(forms.EmailField):
    """An email address as it is stored: lower-cased, since one address is one account whatever
    its case (the database refuses a second account in another case)."""

    def to_python(self, value):
        return super().to_python(value).lower()


def _email_input(autocomplete: str = "email") -> forms.EmailInput:
    return forms.EmailInput(
        attrs={"autocomplete": autocomplete, "spellcheck": "false", "autocapitalize": "none"}
    )


def own_email_field() -> LowerCaseEmailField:
    """The person's own email address: signing in, resetting a password, asking for a link."""
    return LowerCaseEmailField(
        label=_("Email address"),
        max_length=254,
        widget=_email_input(),
        error_messages={"required": _("Enter your email address"), "invalid": EMAIL_FORMAT_ERROR},
    )


class SignInForm(ErrorBorderMixin, forms.Form):
    """
    Email address and password. Every failure gives the same message, so the form never says
    whether an address has an account; an inactive (invited, not yet accepted) account fails
    the same way, because Django's ModelBackend does not authenticate inactive users.
    """

    # Marked here, translated where it is used: a plain string, so tests can look for it.
    INVALID_LOGIN = gettext_noop("Enter a correct email address and password")

    email = own_email_field()
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password")},
    )

    def __init__(self, request=None, *args, **kwargs):
        # LoginView passes the request: django-axes needs it to count failures per IP.
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            self,
            "email",
            "password",
            button=_("Sign in"),
        )

    def clean(self):
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                self.add_error("email", gettext(self.INVALID_LOGIN))
        return self.cleaned_data

    def get_user(self) -> User | None:
        return self.user_cache


class _NewPasswordMixin:
    """Plain labels and hint; password-rule errors shown on the first box, not the second."""

    new_password_labels = (_("New password"), _("Confirm new password"))
    new_password_required = _("Enter a new password")

    def _set_up_new_password_fields(self):
        first, second = self.new_password_labels
        self.fields["new_password1"].label = first
        self.fields["new_password1"].help_text = NEW_PASSWORD_HINT
        self.fields["new_password1"].error_messages["required"] = self.new_password_required
        self.fields["new_password2"].label = second
        self.fields["new_password2"].help_text = ""
        self.fields["new_password2"].error_messages["required"] = _("Enter the password again")

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data


class AccountSetPasswordForm(ErrorBorderMixin, _NewPasswordMixin, SetPasswordForm):
    """Choosing a password: from a reset link, or (`for_invitation`) from an invitation link."""

    error_messages = {"password_mismatch": PASSWORD_MISMATCH}

    def __init__(self, user, *args, for_invitation: bool = False, **kwargs):
        if for_invitation:
            self.new_password_labels = (_("Create a password"), _("Confirm your password"))
            self.new_password_required = _("Enter a password")
        super().__init__(user, *args, **kwargs)
        self._set_up_new_password_fields()
        self.helper = _helper(
            self,
            "new_password1",
            "new_password2",
            button=_("Set password") if for_invitation else _("Reset password"),
        )


class AccountPasswordChangeForm(ErrorBorderMixin, _NewPasswordMixin, PasswordChangeForm):
    error_messages = {
        "password_mismatch": PASSWORD_MISMATCH,
        "password_incorrect": _("Your current password is not correct. Enter it again."),
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self._set_up_new_password_fields()
        old = self.fields["old_password"]
        old.label = _("Current password")
        old.error_messages["required"] = _("Enter your current password")
        # GOV.UK pages do not move focus on load; it disorients screen reader users.
        old.widget.attrs.pop("autofocus", None)
        self.helper = _helper(
            self,
            "old_password",
            "new_password1",
            "new_password2",
            button=_("Change password"),
        )


class AccountPasswordResetForm(ErrorBorderMixin, PasswordResetForm):
    """Django's reset form: it emails only active accounts with a password, and says nothing
    about which addresses have one."""

    email = own_email_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, "email", button=_("Send reset link"))

    def save(self, **kwargs) -> None:  # type: ignore[override]  # Django's arguments go unused
        """
        Queue a reset email for each active account with a password at the address: the task
        makes the link when it sends (`assessments.passwords`). Nothing is sent here, and an
        address with no account queues nothing, while the page says the same.
        """
        for user in self.get_users(self.cleaned_data["email"]):
            password_reset_queue(user=user)


class InvitationForm(ErrorBorderMixin, forms.Form):
    """Who to invite. Admins also choose the council; an officer invites into their own."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        validators=[validate_no_control_characters],  # the same rule as a line of a list
        error_messages={
            "required": _("Enter the councillor’s full name"),
            "max_length": _("Full name must be 150 characters or fewer"),
        },
    )
    email = LowerCaseEmailField(
        label=_("Email address"),
        max_length=254,
        validators=[validate_no_control_characters],
        # Someone else's address: the browser should not offer the officer's own.
        widget=_email_input(autocomplete="off"),
        error_messages={
            "required": _("Enter the councillor’s email address"),
            "invalid": EMAIL_FORMAT_ERROR,
        },
    )
    council = forms.ModelChoiceField(
        label=_("Council"),
        queryset=Council.objects.all(),
        empty_label=_("Choose a council"),
        error_messages={
            "required": _("Choose the council"),
            "invalid_choice": _("Choose the council"),
        },
    )

    def __init__(self, *args, choose_council: bool, **kwargs):
        super().__init__(*args, **kwargs)
        names = ["full_name", "email"]
        if choose_council:
            names.insert(0, "council")
            self.order_fields(names)  # the error summary follows the fields' order
        else:
            del self.fields["council"]
        self.helper = _helper(self, *names, button=_("Send invitation"))


class SignInLinkForm(ErrorBorderMixin, forms.Form):
    """The address to email a sign-in link to (`assessments.sign_in_links`)."""

    email = own_email_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self, "email", button=_("Email me a sign-in link"))


class UseSignInLinkForm(forms.Form):
    """One button: a link is used by a POST, so a mail scanner that opens links (as Microsoft
    365's Safe Links does) cannot use it up before the councillor clicks."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Button("submit", _("Sign in")))
