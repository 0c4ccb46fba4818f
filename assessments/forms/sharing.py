"""Sharing a report with the officers of its author's council."""

from django import forms


class ShareForm(forms.Form):
    """Which page the share or withdraw button was on, so the person goes back to it."""

    RETURN_TO = {"report": "assessments:report", "assessment": "assessments:assessment_detail"}

    return_to = forms.ChoiceField(choices=[(k, k) for k in RETURN_TO], required=False)

    def return_url_name(self) -> str:
        if self.is_valid() and self.cleaned_data["return_to"]:
            return self.RETURN_TO[self.cleaned_data["return_to"]]
        return self.RETURN_TO["report"]
