"""Groups: creating and editing them, members, linking assessments, and who may see what."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import group_reports, groups
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


# --- The meeting: its date, the answers deadline, the agenda's size -------------------------


def date_fields(name: str, day: datetime.date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}_0": "", f"{name}_1": "", f"{name}_2": ""}
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def create(client, **fields):
    data = {"name": "Scrutiny", **fields}
    for name in ("meeting_date", "answers_due"):
        data.update(date_fields(name, data.pop(name, None)))
    return client.post(reverse("assessments:group_create"), data)


def test_an_officer_creates_a_group_with_its_meeting(client, officer, checklist):
    client.force_login(officer)

    create(client, meeting_date=in_days(30), answers_due=in_days(23), agenda_size="6")

    group = CouncillorGroup.objects.get(name="Scrutiny")
    assert (group.meeting_date, group.answers_due, group.agenda_size) == (
        in_days(30),
        in_days(23),
        6,
    )


def test_the_agenda_has_five_items_unless_told(client, officer, checklist):
    client.force_login(officer)

    page = client.get(reverse("assessments:group_create")).content.decode()
    create(client)

    assert re.search(r'name="agenda_size"[^>]*value="5"', page)
    group = CouncillorGroup.objects.get(name="Scrutiny")
    assert group.agenda_size == 5 and group.meeting_date is None and group.answers_due is None


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"meeting_date": 10, "answers_due": 12},
            "answers_due",
            "The answers deadline must be on or before the meeting date",
        ),
        ({"meeting_date": -1}, "meeting_date", "The meeting date must be today or in the future"),
        (
            {"answers_due": -1},
            "answers_due",
            "The answers deadline must be today or in the future",
        ),
        ({"agenda_size": "0"}, "agenda_size", "The agenda must list at least 1 key action"),
        ({"agenda_size": "21"}, "agenda_size", "The agenda can list at most 20 key actions"),
        ({"agenda_size": "five"}, "agenda_size", "as a whole number, like 5"),
    ],
)
def test_the_form_refuses_a_meeting_that_cannot_be_in_plain_words(
    client, officer, checklist, fields, field, message
):
    client.force_login(officer)
    fields = {k: in_days(v) if k != "agenda_size" else v for k, v in fields.items()}

    response = create(client, **fields)

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert "govuk-error-summary" in response.content.decode()
    assert not CouncillorGroup.objects.exists()


def test_the_service_refuses_a_deadline_after_the_meeting(council, checklist):
    with pytest.raises(groups.GroupError, match="on or before the meeting date"):
        groups.group_create(
            council=council, name="Cabinet", meeting_date=in_days(1), answers_due=in_days(2)
        )
    assert not CouncillorGroup.objects.exists()


@pytest.mark.parametrize("size", [0, 21])
def test_the_service_refuses_an_agenda_size_out_of_range(setup, size):
    with pytest.raises(groups.GroupError, match="from 1 to 20 key actions"):
        groups.group_update(
            group=setup.group, name="Cabinet", description="", facilitator=None, agenda_size=size
        )
    setup.group.refresh_from_db()
    assert setup.group.agenda_size == 5


def test_an_update_that_does_not_name_the_dates_keeps_them(setup):
    CouncillorGroup.objects.filter(pk=setup.group.pk).update(
        meeting_date=in_days(9), answers_due=in_days(2)
    )
    setup.group.refresh_from_db()

    groups.group_update(group=setup.group, name="Cabinet 2", description="", facilitator=None)

    setup.group.refresh_from_db()
    assert (setup.group.meeting_date, setup.group.answers_due) == (in_days(9), in_days(2))


def test_a_meeting_that_has_happened_keeps_its_date_when_other_details_change(
    client, setup, officer
):
    CouncillorGroup.objects.filter(pk=setup.group.pk).update(
        meeting_date=in_days(-3), answers_due=in_days(-5)
    )
    client.force_login(officer)
    url = reverse("assessments:group_edit", args=[setup.group.pk])
    data = {"name": "Cabinet", "description": "", "facilitator": "", "status": "discussion"}
    data |= {"agenda_size": "5"} | date_fields("meeting_date", in_days(-3))
    data |= date_fields("answers_due", in_days(-5))

    assert client.post(url, data).status_code == 302
    # Moving it to another day in the past is refused.
    data |= date_fields("meeting_date", in_days(-2))
    response = client.post(url, data)
    assert "The meeting date must be today or in the future" in response.content.decode()


def test_the_edit_form_shows_the_meeting_as_saved(client, setup, officer):
    CouncillorGroup.objects.filter(pk=setup.group.pk).update(
        meeting_date=datetime.date(2031, 3, 27), agenda_size=7
    )
    client.force_login(officer)

    page = client.get(reverse("assessments:group_edit", args=[setup.group.pk])).content.decode()

    assert re.search(r'name="meeting_date_0"[^>]*value="27"', page)
    assert re.search(r'name="meeting_date_2"[^>]*value="2031"', page)
    assert re.search(r'name="agenda_size"[^>]*value="7"', page)


def test_the_manage_page_shows_the_meeting_the_status_and_the_next_action(
    client, checklist, council, officer, django_assert_num_queries
):
    setup = build_group(council, checklist, councillors=4, members=4, submitted=1)
    CouncillorGroup.objects.filter(pk=setup.group.pk).update(
        meeting_date=datetime.date(2031, 1, 15), answers_due=datetime.date(2031, 1, 8)
    )
    client.force_login(officer)
    url = reverse("assessments:group_detail", args=[setup.group.pk])

    # The session and user, the group, its members, and the council's minimum needs none.
    with django_assert_num_queries(4):
        html = client.get(url).content.decode()

    assert "Collecting answers" in html
    assert "Wednesday 15 January 2031" in html and "Wednesday 8 January 2031" in html
    assert "5 key actions" in html
    assert "1 of 4 members has submitted an assessment for the group" in html
    assert "Remind members who have not submitted" in html
    assert reverse("assessments:group_remind_members", args=[setup.group.pk]) in html


def test_members_see_the_meeting_date_and_the_deadline(client, setup):
    CouncillorGroup.objects.filter(pk=setup.group.pk).update(
        meeting_date=datetime.date(2031, 1, 15), answers_due=datetime.date(2031, 1, 8)
    )
    client.force_login(setup.members[0])

    html = client.get(reverse("assessments:group_detail", args=[setup.group.pk])).content.decode()

    assert "Answers due" in html and "Wednesday 8 January 2031" in html
    assert "Wednesday 15 January 2031" in html


def test_adding_people_says_they_are_emailed(client, setup, officer):
    client.force_login(officer)

    response = client.post(
        reverse("assessments:group_members", args=[setup.group.pk]),
        {"members": [setup.others[0].pk]},
        follow=True,
    )

    assert "1 member added. They are sent an email about the group." in response.content.decode()


def test_the_manage_page_keeps_its_queries_with_many_members(
    client, checklist, council, officer, django_assert_num_queries
):
    setup = build_group(council, checklist, councillors=40, members=40, submitted=3)
    client.force_login(officer)

    with django_assert_num_queries(4):
        client.get(reverse("assessments:group_detail", args=[setup.group.pk]))


def test_the_form_and_members_pages_keep_their_queries(
    client, checklist, council, officer, django_assert_num_queries
):
    setup = build_group(council, checklist, councillors=30, members=5, submitted=0)
    client.force_login(officer)

    with django_assert_num_queries(4):  # the session and user, their council, the officers
        client.get(reverse("assessments:group_create"))
    with django_assert_num_queries(4):  # the session and user, the group, the officers
        client.get(reverse("assessments:group_edit", args=[setup.group.pk]))
    # The session and user, the group, the councillors (whether any, then the choices).
    with django_assert_num_queries(5):
        client.get(reverse("assessments:group_members", args=[setup.group.pk]))


@pytest.mark.parametrize(
    "status, members, submitted, dates, past_deadline, expected",
    [
        ("closed", 4, 4, True, False, group_reports.NextAction.NONE),
        ("discussion", 4, 4, True, False, group_reports.NextAction.RECORD_AGREEMENT),
        ("open", 0, 0, True, False, group_reports.NextAction.ADD_MEMBERS),
        ("open", 4, 4, True, False, group_reports.NextAction.START_DISCUSSION),
        ("open", 4, 3, True, True, group_reports.NextAction.START_DISCUSSION),
        ("open", 4, 3, True, False, group_reports.NextAction.WAIT_OR_REMIND),
        ("open", 4, 2, True, True, group_reports.NextAction.WAIT_OR_REMIND),  # below the minimum
        ("open", 4, 1, False, False, group_reports.NextAction.SET_DATES),
        ("open", 2, 0, True, False, group_reports.NextAction.ADD_MEMBERS),  # fewer than 3
    ],
)
def test_the_next_action_follows_the_group(
    council, checklist, status, members, submitted, dates, past_deadline, expected
):
    due = in_days(-1 if past_deadline else 5)
    group = CouncillorGroup(
        council=council,
        checklist=checklist,
        status=status,
        meeting_date=in_days(10) if dates else None,
        answers_due=due if dates else None,
    )

    assert (
        group_reports.group_next_action(group, member_count=members, submitted=submitted)
        == expected
    )


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


def test_removing_asks_first_and_says_what_it_changes(client, checklist, council, officer):
    setup = build_group(council, checklist, councillors=4, members=4, submitted=2)
    member = setup.members[0]
    client.force_login(officer)
    url = reverse("assessments:group_remove_member", args=[setup.group.pk, member.pk])

    manage = client.get(reverse("assessments:group_detail", args=[setup.group.pk]))
    page = client.get(url)

    assert f'href="{url}"' in manage.content.decode()  # a link to the question, not a POST
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Are you sure you want to remove {member.full_name} from the group?" in html
    assert "Their assessment linked to the group will no longer be counted" in html
    assert "Their assessments are kept" in html
    assert setup.group.memberships.filter(user=member).exists()  # nothing removed by looking


def test_removing_once_the_figures_are_recorded_says_they_do_not_change(client, setup, officer):
    client.force_login(officer)
    url = reverse("assessments:group_remove_member", args=[setup.group.pk, setup.members[0].pk])

    html = client.get(url).content.decode()

    assert "The group’s figures are already recorded, so they do not change" in html
    assert "will no longer be counted" not in html


def test_removing_someone_who_has_not_submitted_changes_no_figures(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, councillors=4, members=4, submitted=1)
    client.force_login(officer)
    url = reverse("assessments:group_remove_member", args=[setup.group.pk, setup.members[3].pk])

    html = client.get(url).content.decode()

    assert "They have not submitted an assessment for the group, so no figures change" in html


def test_removing_is_refused_once_the_group_is_agreed(client, setup, officer):
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.CLOSED)
    member = setup.members[0]
    client.force_login(officer)
    url = reverse("assessments:group_remove_member", args=[setup.group.pk, member.pk])

    page = client.get(url, follow=True)
    response = client.post(url, follow=True)

    assert page.redirect_chain[0][0] == reverse("assessments:group_detail", args=[setup.group.pk])
    assert "is agreed and closed, so its members stay as they were" in page.content.decode()
    assert "is closed, so its members stay as they were" in response.content.decode()
    assert setup.group.memberships.filter(user=member).exists()


def test_another_councils_officer_cannot_see_the_removal_page(client, setup, other_officer):
    client.force_login(other_officer)
    url = reverse("assessments:group_remove_member", args=[setup.group.pk, setup.members[0].pk])

    assert client.get(url).status_code == 404


def test_the_removal_page_keeps_its_queries(client, setup, officer, django_assert_num_queries):
    client.force_login(officer)
    url = reverse("assessments:group_remove_member", args=[setup.group.pk, setup.members[0].pk])

    # The session and user, the group, the membership, counted?, recorded?
    with django_assert_num_queries(6):
        client.get(url)


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
