"""Refusals: a rule said no, and the view tells the person why, one way."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage

from assessments.refusals import Refusal
from assessments.sharing import SharingError
from assessments.views import show_refusal


class NameForm(forms.Form):
    name = forms.CharField()


def request_with_messages(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_refusal_on_a_page_with_a_form_is_shown_beside_the_field(rf):
    request = request_with_messages(rf)
    form = NameForm({"name": "Cabinet"})

    show_refusal(
        request, Refusal("Northshire already has a group called Cabinet"), form=form, field="name"
    )

    assert form.errors == {"name": ["Northshire already has a group called Cabinet"]}
    assert list(get_messages(request)) == []


def test_a_refusal_without_a_form_is_an_error_message_for_the_next_page(rf):
    request = request_with_messages(rf)

    show_refusal(request, SharingError("Only a submitted assessment can be shared."))

    [message] = get_messages(request)
    assert message.level_tag == "error"
    assert str(message) == "Only a submitted assessment can be shared."


def test_a_refusal_with_no_message_of_its_own_says_something_plain():
    assert str(Refusal()) == Refusal.default_message
    assert issubclass(SharingError, Refusal)
