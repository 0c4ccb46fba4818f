"""Every rule that says no raises a `Refusal` whose message is written for the person, and views
show it one way."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage

from assessments import answering, groups, invitations, versioning
from assessments.refusals import Refusal
from assessments.sharing import SharingError
from assessments.views import show_refusal


@pytest.mark.parametrize(
    "refusal",
    [
        answering.StaleAssessment,
        answering.AssessmentIncomplete,
        groups.GroupError,
        invitations.InvitationError,
        invitations.InvitationNotUsable,
        versioning.VersioningError,
        SharingError,
    ],
)
def test_each_domain_refusal_shares_the_one_base(refusal):
    assert issubclass(refusal, Refusal)


def test_a_refusal_is_its_message():
    refusal = groups.GroupError("You can only link your own assessments")

    assert str(refusal) == refusal.message == "You can only link your own assessments"


def test_a_refusal_raised_without_a_message_still_says_something_plain():
    assert str(Refusal()) == "That could not be done."
    assert str(answering.StaleAssessment()).startswith(
        "These answers were changed in another tab or window"
    )


def test_a_link_that_cannot_be_used_says_why_in_words():
    refusal = invitations.InvitationNotUsable(invitations.InvitationNotUsable.Reason.EXPIRED)

    assert refusal.reason == "expired"
    assert str(refusal) == "This invitation has expired"


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
