"""The person's own choice of email reminders."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms
from django.utils.translation import gettext_lazy as _


class EmailRemindersForm(forms.Form):
    """Yes or No, as GOV.UK radios; the page's heading and what reminders are come above it."""

    YES, NO = "yes", "no"

    reminders = forms.ChoiceField(
        label=_("Do you want email reminders?"),
        choices=[(YES, _("Yes")), (NO, _("No"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if you want email reminders")},
    )

    def __init__(self, data=None, *, enabled: bool):
        super().__init__(data, initial={"reminders": self.YES if enabled else self.NO})
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field.radios("reminders", legend_size=Size.MEDIUM, inline=True),
            Button.primary("save", _("Save")),
        )

    @property
    def enabled(self) -> bool:
        return self.cleaned_data["reminders"] == self.YES
