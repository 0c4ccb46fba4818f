"""
Group privacy under attack (issue #10, items 5, 8, 9 and 10): no sequence of membership changes
shows an officer one member's answers, a council may raise its own minimum, members are told
what a small group can infer, a closed group keeps its answers, and an id no database could hold
is a form error.
"""

import pytest
from django.urls import reverse

from assessments.forms.accounts import InvitationForm
from assessments.forms.groups import AddMembersForm, AgreementForm, GroupForm, LinkAssessmentForm
from assessments.models import GroupAgreement, Question
from tests.group_helpers import build_group

TOO_BIG = "99999999999999999999"


@pytest.fixture
def setup(checklist, council, officer):
    return build_group(council, checklist, councillors=8, members=4, facilitator=officer)


# --- Item 5: ids no database column could hold ----------------------------------------------


def test_an_out_of_range_id_on_the_add_members_page_is_a_form_error(client, setup, officer):
    client.force_login(officer)

    response = client.post(
        reverse("assessments:group_members", args=[setup.group.pk]), {"members": [TOO_BIG]}
    )

    assert response.status_code == 200
    assert "Choose councillors from the list" in response.content.decode()


@pytest.mark.parametrize("value", [TOO_BIG, "-" + TOO_BIG])
def test_every_form_that_takes_ids_refuses_one_out_of_range(
    value, setup, officer, admin_user, checklist
):
    group = setup.group
    member = setup.members[0]
    forms = {
        "members": AddMembersForm({"members": [value]}, group=group),
        "assessment": LinkAssessmentForm({"assessment": value}, user=member, group=group),
        "facilitator": GroupForm(
            {"name": "New", "description": "", "facilitator": value, "status": "open"},
            user=officer,
            group=group,
        ),
        "council": GroupForm({"council": value, "name": "New"}, user=admin_user),
        "option": AgreementForm(
            {"option": value},
            instance=GroupAgreement(group=group, question=Question.objects.get(code="persist")),
            group=group,
        ),
        "invitation council": InvitationForm(
            {"council": value, "full_name": "A", "email": "a@example.org"}, choose_council=True
        ),
    }

    for name, form in forms.items():
        field = name.split()[-1]
        assert not form.is_valid(), name
        assert field in form.errors, name
