"""Views: thin functions over the domain modules. Access is `assessments.permissions`'s."""

from django.contrib import messages
from django.forms import Form

from assessments.refusals import Refusal


def show_refusal(
    request,
    refusal: Refusal,
    *,
    form: Form | None = None,
    field: str | None = None,
    level: int = messages.ERROR,
):
    """
    The one way a view tells the person why a rule said no: on the form when the page shows one
    again (beside `field`, or above the form), otherwise as a message on the next page (an error
    unless `level` says otherwise: a stale page is a warning, nothing was lost that was saved).
    The refusal's message is written for the person and is shown as it is.
    """
    if form is not None:
        form.add_error(field, str(refusal))
    else:
        messages.add_message(request, level, str(refusal))
