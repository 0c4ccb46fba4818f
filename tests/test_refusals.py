"""Every rule that says no raises a `Refusal` whose message is written for the person."""

import pytest

from assessments import groups, invitations, services, versioning
from assessments.refusals import Refusal


@pytest.mark.parametrize(
    "refusal",
    [
        services.StaleAssessment,
        services.AssessmentIncomplete,
        groups.GroupError,
        invitations.InvitationError,
        invitations.InvitationNotUsable,
        versioning.VersioningError,
    ],
)
def test_each_domain_refusal_shares_the_one_base(refusal):
    assert issubclass(refusal, Refusal)


def test_a_refusal_is_its_message():
    refusal = groups.GroupError("You can only link your own assessments")

    assert str(refusal) == refusal.message == "You can only link your own assessments"


def test_a_refusal_raised_without_a_message_still_says_something_plain():
    assert str(Refusal()) == "That could not be done."
    assert str(services.StaleAssessment()).startswith(
        "These answers were changed in another tab or window"
    )


def test_a_link_that_cannot_be_used_says_why_in_words():
    refusal = invitations.InvitationNotUsable(invitations.InvitationNotUsable.Reason.EXPIRED)

    assert refusal.reason == "expired"
    assert str(refusal) == "This invitation has expired"
