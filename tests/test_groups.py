"""Groups: creating and editing them, members, linking assessments, and who may see what."""

import re

import pytest
from django.urls import reverse

from assessments import groups
from assessments.models import Assessment, CouncillorGroup, GroupMembership
from tests.builders import answer_all, make_user, submit
from tests.group_helpers import build_group


@pytest.fixture
def setup(checklist, council, officer):
    return build_group(council, checklist, councillors=4, members=3, facilitator=officer)


# --- Who may see what ----------------------------------------------------------------------

PERSONAS = [
    "anonymous",
    "member",
    "non_member",
    "other_councillor",
    "officer",
    "other_officer",
    "admin",
]
SEE = {
    "member": 200,
    "non_member": 404,
    "other_councillor": 404,
    "officer": 200,
    "other_officer": 404,
    "admin": 200,
}
MANAGE = {**SEE, "member": 403}
EXPECTED = {
    "group_list": {p: 200 for p in PERSONAS[1:]},
    "group_create": {
        "member": 403,
        "non_member": 403,
        "other_councillor": 403,
        "officer": 200,
        "other_officer": 200,
        "admin": 200,
    },
    "group_detail": SEE,
    "group_report": SEE,
    "group_report_pdf": SEE,
    "group_edit": MANAGE,
    "group_members": MANAGE,
    "group_report_csv": MANAGE,
    "group_agreement": MANAGE,
}


def persona_user(name, request, setup):
    if name == "member":
        return setup.members[0]
    if name == "non_member":
        return setup.others[0]
    fixture = {
        "other_councillor": "other_councillor",
        "officer": "officer",
        "other_officer": "other_officer",
        "admin": "admin_user",
    }[name]
    return request.getfixturevalue(fixture)


def url_for(name, group):
    if name in ("group_list", "group_create"):
        return reverse(f"assessments:{name}")
    if name == "group_agreement":
        return reverse(f"assessments:{name}", args=[group.pk, "persist"])
    return reverse(f"assessments:{name}", args=[group.pk])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", list(EXPECTED))
def test_each_group_page_answers_each_persona_as_it_should(
    client, request, setup, persona, url_name
):
    url = url_for(url_name, setup.group)
    if persona != "anonymous":
        client.force_login(persona_user(persona, request, setup))

    response = client.get(url)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("assessments:sign_in"))
    else:
        assert response.status_code == EXPECTED[url_name][persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_groups_officers_and_admins_may_remove_a_member(client, request, setup, persona):
    member = setup.members[1]
    if persona != "anonymous":
        client.force_login(persona_user(persona, request, setup))

    response = client.post(
        reverse("assessments:group_remove_member", args=[setup.group.pk, member.pk])
    )

    removed = not GroupMembership.objects.filter(group=setup.group, user=member).exists()
    assert removed == (persona in ("officer", "admin"))
    if persona in ("other_councillor", "other_officer", "non_member"):
        assert response.status_code == 404


def test_the_post_only_pages_refuse_get(client, setup):
    client.force_login(setup.members[0])
    assessment = setup.assessments[setup.members[0].pk]
    for url in (
        reverse("assessments:group_link", args=[setup.group.pk]),
        reverse("assessments:group_unlink", args=[setup.group.pk, assessment.pk]),
        reverse("assessments:group_remove_member", args=[setup.group.pk, setup.members[1].pk]),
    ):
        assert client.get(url).status_code == 405


def test_officers_list_only_their_own_councils_groups(client, setup, officer, other_officer):
    CouncillorGroup.objects.create(
        council=other_officer.council, name="Their cabinet", checklist=setup.group.checklist
    )
    client.force_login(officer)

    html = client.get(reverse("assessments:group_list")).content.decode()

    assert "Cabinet" in html and "Their cabinet" not in html


def test_members_and_officers_see_the_same_member_count(client, setup, officer):
    counts = []
    for person in (setup.members[0], officer):
        client.force_login(person)
        html = client.get(reverse("assessments:group_list")).content.decode()
        counts.append(re.search(r"(\d+) members?\b", html).group(1))

    assert counts == ["3", "3"]


# --- Creating and editing ------------------------------------------------------------------


def test_an_officer_creates_a_group_in_their_own_council(client, officer, checklist):
    client.force_login(officer)

    response = client.post(
        reverse("assessments:group_create"),
        {"name": "Scrutiny", "description": "Overview and scrutiny", "facilitator": officer.pk},
    )

    group = CouncillorGroup.objects.get(name="Scrutiny")
    assert response.url == reverse("assessments:group_members", args=[group.pk])
    assert group.council == officer.council and group.facilitator == officer
    assert group.checklist == checklist and group.status == CouncillorGroup.Status.OPEN


def test_a_facilitator_must_be_an_officer_of_the_council(client, officer, other_officer, checklist):
    client.force_login(officer)

    response = client.post(
        reverse("assessments:group_create"), {"name": "Scrutiny", "facilitator": other_officer.pk}
    )

    assert response.status_code == 200
    assert "Choose one of the council&#x27;s officers from the list" in response.content.decode()
    assert not CouncillorGroup.objects.exists()


def test_an_admin_chooses_the_council_and_a_matching_facilitator(
    client, admin_user, council, other_officer, checklist
):
    client.force_login(admin_user)

    response = client.post(
        reverse("assessments:group_create"),
        {"council": council.pk, "name": "Cabinet", "facilitator": other_officer.pk},
    )

    assert "Choose an officer of Northshire County Council" in response.content.decode()
    response = client.post(
        reverse("assessments:group_create"), {"council": council.pk, "name": "Cabinet"}
    )
    assert CouncillorGroup.objects.get().council == council


def test_group_names_are_unique_in_a_council(client, setup, officer):
    client.force_login(officer)

    response = client.post(reverse("assessments:group_create"), {"name": "cabinet"})

    assert "already has a group called" in response.content.decode()


def test_the_form_says_plainly_what_is_missing(client, officer, checklist):
    client.force_login(officer)

    html = client.post(reverse("assessments:group_create"), {"name": ""}).content.decode()

    assert "govuk-error-summary" in html and "Enter the group&#x27;s name" in html


def test_an_officer_edits_the_group_and_its_status(client, setup, officer):
    client.force_login(officer)

    client.post(
        reverse("assessments:group_edit", args=[setup.group.pk]),
        {"name": "Cabinet 2026", "description": "", "facilitator": "", "status": "discussion"},
    )

    setup.group.refresh_from_db()
    assert setup.group.name == "Cabinet 2026"
    assert setup.group.status == CouncillorGroup.Status.DISCUSSION
    assert setup.group.facilitator is None


# --- Members -------------------------------------------------------------------------------


def test_an_officer_adds_councillors_of_the_same_council_only(
    client, setup, officer, other_councillor
):
    client.force_login(officer)
    url = reverse("assessments:group_members", args=[setup.group.pk])

    page = client.get(url).content.decode()
    assert setup.others[0].full_name in page
    assert other_councillor.full_name not in page and officer.full_name not in page

    response = client.post(url, {"members": [setup.others[0].pk, other_councillor.pk]})
    assert response.status_code == 200  # the other council's councillor is not a choice
    client.post(url, {"members": [setup.others[0].pk]})
    assert setup.group.memberships.filter(user=setup.others[0]).exists()


def test_the_service_refuses_officers_and_other_councils(setup, officer, other_councillor):
    for user in (officer, other_councillor):
        message = f"{user} is not a councillor of {setup.group.council.name}"
        with pytest.raises(groups.GroupError, match=re.escape(message)):
            groups.group_add_members(group=setup.group, users=[user])


def test_adding_a_member_twice_adds_them_once(setup):
    added = groups.group_add_members(group=setup.group, users=[setup.members[0], setup.others[0]])

    assert added == [setup.others[0]]
    assert setup.group.memberships.count() == 4


def test_removing_a_member_through_the_page_keeps_their_assessments(client, setup, officer):
    member = setup.members[0]
    assessment = setup.assessments[member.pk]
    client.force_login(officer)

    client.post(reverse("assessments:group_remove_member", args=[setup.group.pk, member.pk]))

    assessment.refresh_from_db()
    assert assessment.is_submitted and assessment.answers.count() == 20
    assert not setup.group.memberships.filter(user=member).exists()


def test_the_officers_page_shows_who_has_submitted_for_the_group(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, councillors=3, members=3, submitted=1)
    client.force_login(officer)

    html = client.get(reverse("assessments:group_detail", args=[setup.group.pk])).content.decode()

    assert html.count("Submitted for this group") == 1
    assert html.count("Nothing linked to this group yet") == 2


# --- Linking an assessment -----------------------------------------------------------------


@pytest.fixture
def membership(setup, councillor):
    groups.group_add_members(group=setup.group, users=[councillor])
    return setup.group


def test_a_member_links_a_draft_and_unlinks_it(client, membership, councillor, checklist):
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    client.force_login(councillor)

    client.post(reverse("assessments:group_link", args=[membership.pk]), {"assessment": draft.pk})
    draft.refresh_from_db()
    assert draft.group == membership
    page = client.get(reverse("assessments:group_detail", args=[membership.pk])).content.decode()
    assert "In progress, started on" in page

    client.post(reverse("assessments:group_unlink", args=[membership.pk, draft.pk]))
    draft.refresh_from_db()
    assert draft.group is None


def test_a_member_links_a_submitted_assessment(client, membership, councillor, checklist):
    submitted = submit(councillor, checklist, {})
    client.force_login(councillor)

    response = client.post(
        reverse("assessments:group_link", args=[membership.pk]), {"assessment": submitted.pk}
    )

    submitted.refresh_from_db()
    assert submitted.group == membership
    assert response.url == reverse("assessments:group_detail", args=[membership.pk])


def test_nobody_links_someone_elses_assessment(client, membership, councillor, setup):
    theirs = Assessment.objects.create(owner=setup.others[0], checklist=membership.checklist)
    client.force_login(councillor)

    client.post(reverse("assessments:group_link", args=[membership.pk]), {"assessment": theirs.pk})
    response = client.post(
        reverse(
            "assessments:group_unlink",
            args=[membership.pk, setup.assessments[setup.members[0].pk].pk],
        )
    )

    theirs.refresh_from_db()
    assert theirs.group is None
    assert response.status_code == 404
    with pytest.raises(groups.GroupError, match="You can only link your own assessments"):
        groups.assessment_link_group(assessment=theirs, group=membership, user=councillor)


def test_a_closed_group_takes_no_new_links(client, membership, councillor, checklist):
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    groups.group_set_status(group=membership, status=CouncillorGroup.Status.CLOSED)
    client.force_login(councillor)

    client.post(reverse("assessments:group_link", args=[membership.pk]), {"assessment": draft.pk})

    draft.refresh_from_db()
    assert draft.group is None


def test_a_removed_member_can_no_longer_link(client, membership, councillor, checklist):
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    groups.group_remove_member(group=membership, user=councillor)
    client.force_login(councillor)

    response = client.post(
        reverse("assessments:group_link", args=[membership.pk]), {"assessment": draft.pk}
    )

    assert response.status_code == 404


def test_members_see_their_groups_on_the_dashboard(client, membership, councillor):
    client.force_login(councillor)

    html = client.get(reverse("assessments:dashboard")).content.decode()

    assert "Your groups" in html
    assert reverse("assessments:group_detail", args=[membership.pk]) in html


def test_the_submitted_page_offers_the_group(client, membership, councillor, checklist):
    submitted = submit(councillor, checklist, {})
    client.force_login(councillor)
    url = reverse("assessments:assessment_detail", args=[submitted.pk])

    assert "link this assessment to it" in client.get(url).content.decode()
    groups.assessment_link_group(assessment=submitted, group=membership, user=councillor)
    assert "This assessment is linked to" in client.get(url).content.decode()


def test_councillors_without_groups_see_no_group_section(client, councillor, checklist):
    assessment = Assessment.objects.create(owner=councillor, checklist=checklist)
    answer_all(assessment)
    client.force_login(councillor)

    assert "Your groups" not in client.get(reverse("assessments:dashboard")).content.decode()


def test_a_councillor_moved_to_another_council_loses_access(
    client, membership, councillor, other_council
):
    councillor.council = other_council
    councillor.save()
    client.force_login(councillor)

    response = client.get(reverse("assessments:group_detail", args=[membership.pk]))

    assert response.status_code == 404


def test_an_officer_without_a_council_manages_nothing(client, setup):
    loose = make_user(email="loose@example.org", full_name="Loose", role="officer")
    client.force_login(loose)

    assert client.get(reverse("assessments:group_create")).status_code == 403
    assert client.get(reverse("assessments:group_detail", args=[setup.group.pk])).status_code == 404
