"""
Group privacy under attack (issue #10, items 5, 8, 9 and 10): no sequence of membership changes
shows an officer one member's answers, a council may raise its own minimum, members are told
what a small group can infer, a closed group keeps its answers, and an id no database could hold
is a form error.
"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments import group_reports, groups
from assessments.admin.accounts import CouncilForm
from assessments.forms.accounts import InvitationForm
from assessments.forms.groups import AddMembersForm, AgreementForm, GroupForm, LinkAssessmentForm
from assessments.models import (
    Assessment,
    CouncillorGroup,
    GroupAgreement,
    GroupMembership,
    GroupRound,
    Question,
)
from assessments.overview import national_overview
from tests.builders import submit
from tests.group_helpers import build_group

TOO_BIG = "99999999999999999999"


@pytest.fixture
def setup(checklist, council, officer):
    return build_group(council, checklist, councillors=8, members=4, facilitator=officer)


def csv_of(client, group) -> bytes:
    response = client.get(reverse("assessments:group_report_csv", args=[group.pk]))
    assert response.status_code == 200
    return response.content


def page_of(client, group) -> str:
    return client.get(reverse("assessments:group_report", args=[group.pk])).content.decode()


def remove(client, group, user):
    return client.post(reverse("assessments:group_remove_member", args=[group.pk, user.pk]))


def add(client, group, *users):
    return client.post(
        reverse("assessments:group_members", args=[group.pk]), {"members": [u.pk for u in users]}
    )


def outsider_with_a_linked_assessment(setup, checklist):
    """A councillor outside the group whose submitted assessment is linked to it, as a member
    removed earlier leaves behind: adding them back would make it count on a live report."""
    outsider = setup.others[0]
    submit(outsider, checklist, {"encourage-creativity": "not-yet"}, group=setup.group)
    return outsider


# --- Item 8: membership changes never show one member's answers ----------------------------


def test_removing_a_member_then_adding_them_back_never_changes_the_csv(client, setup, officer):
    client.force_login(officer)
    member = setup.members[0]
    before = csv_of(client, setup.group)

    remove(client, setup.group, member)
    without = csv_of(client, setup.group)
    add(client, setup.group, member)
    again = csv_of(client, setup.group)

    assert GroupMembership.objects.filter(group=setup.group, user=member).exists()
    assert before == without == again


def test_adding_a_member_then_removing_them_never_changes_the_csv(
    client, setup, officer, checklist
):
    outsider = outsider_with_a_linked_assessment(setup, checklist)
    client.force_login(officer)
    before = csv_of(client, setup.group)

    add(client, setup.group, outsider)
    with_them = csv_of(client, setup.group)
    remove(client, setup.group, outsider)
    after = csv_of(client, setup.group)

    assert before == with_them == after


def test_swapping_members_never_changes_the_csv_or_the_page(client, setup, officer, checklist):
    outsider = outsider_with_a_linked_assessment(setup, checklist)
    client.force_login(officer)
    before = csv_of(client, setup.group)
    page_before = page_of(client, setup.group)

    remove(client, setup.group, setup.members[0])
    add(client, setup.group, outsider)
    swapped = csv_of(client, setup.group)
    remove(client, setup.group, setup.members[1])
    remove(client, setup.group, outsider)
    add(client, setup.group, setup.members[0], setup.members[1])
    back = csv_of(client, setup.group)

    assert before == swapped == back
    # The page's figures (its spread and summary) are the recorded ones too.
    assert "count the assessments of 4 members" in page_before
    assert "count the assessments of 4 members" in page_of(client, setup.group)


def test_a_submission_after_the_figures_are_recorded_does_not_change_them(
    client, setup, officer, checklist
):
    client.force_login(officer)
    before = csv_of(client, setup.group)

    submit(setup.members[0], checklist, {"encourage-creativity": "not-yet"}, group=setup.group)
    Assessment.objects.filter(pk=setup.assessments[setup.members[1].pk].pk).delete()

    assert csv_of(client, setup.group) == before


def test_while_collecting_the_report_shows_no_figures_even_above_the_minimum(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, councillors=5, members=5, discuss=False)
    client.force_login(officer)

    html = page_of(client, setup.group)
    csv = client.get(reverse("assessments:group_report_csv", args=[setup.group.pk]))
    pdf = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk]))

    assert "The group is still collecting answers" in html
    assert "5 members have submitted" in html
    assert "Agenda for discussion" not in html
    assert csv.status_code == pdf.status_code == 302


def test_starting_the_discussion_records_the_figures_once(client, checklist, council, officer):
    setup = build_group(council, checklist, councillors=5, members=5, discuss=False)
    client.force_login(officer)
    edit = reverse("assessments:group_edit", args=[setup.group.pk])
    details = {"name": "Cabinet", "description": "", "facilitator": ""}

    client.post(edit, {**details, "status": "discussion"})
    recorded = GroupRound.objects.get(group=setup.group)
    client.post(edit, {**details, "status": "open"})
    client.post(edit, {**details, "status": "discussion"})

    assert GroupRound.objects.get(group=setup.group).pk == recorded.pk
    assert recorded.responses == 5 and recorded.recorded_by == officer
    assert "Agenda for discussion" in page_of(client, setup.group)


def test_the_discussion_cannot_start_below_the_minimum(client, checklist, council, officer):
    setup = build_group(council, checklist, councillors=5, members=5, submitted=2)
    client.force_login(officer)

    response = client.post(
        reverse("assessments:group_edit", args=[setup.group.pk]),
        {"name": "Cabinet", "description": "", "facilitator": "", "status": "discussion"},
    )

    setup.group.refresh_from_db()
    assert setup.group.status == CouncillorGroup.Status.OPEN
    assert "discussion can start once at least 3 members have submitted" in (
        response.content.decode()
    )
    assert not GroupRound.objects.filter(group=setup.group).exists()


def test_a_group_closed_below_the_minimum_has_no_figures(client, checklist, council, officer):
    setup = build_group(council, checklist, councillors=5, members=5, submitted=2)
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.CLOSED)
    client.force_login(officer)

    assert "The group closed before at least 3 members had submitted" in page_of(
        client, setup.group
    )


def test_a_round_recorded_by_someone_else_meanwhile_is_the_one_kept(
    monkeypatch, checklist, council
):
    """The race of two officers starting the discussion at once: the one-round-per-group rule
    refuses the second round, and the second writer takes the first's."""
    setup = build_group(council, checklist, councillors=4, members=4, discuss=False)
    original = group_reports.counted_assessments
    theirs = []

    def counted_while_another_writer_records(group):
        if not theirs:
            theirs.append(GroupRound.objects.create(group=group, responses=4))
        return original(group)

    monkeypatch.setattr(group_reports, "counted_assessments", counted_while_another_writer_records)

    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.DISCUSSION)

    assert list(GroupRound.objects.filter(group=setup.group)) == theirs
    setup.group.refresh_from_db()
    assert setup.group.status == CouncillorGroup.Status.DISCUSSION


def test_the_database_keeps_one_round_per_group(setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupRound.objects.create(group=setup.group, responses=4)


def test_membership_changes_go_in_the_security_log(client, setup, officer, caplog):
    client.force_login(officer)
    member = setup.members[0]

    with caplog.at_level("INFO", logger="security"):
        remove(client, setup.group, member)
        add(client, setup.group, member)

    events = [r.getMessage() for r in caplog.records if r.name == "security"]
    who = f"user={officer.pk} "
    where = f"group={setup.group.pk} member={member.pk}"
    assert any("event=group_member_removed" in e and who in e and where in e for e in events)
    assert any("event=group_member_added" in e and who in e and where in e for e in events)


# --- Item 9: small groups and a council's own minimum --------------------------------------


def test_members_are_told_what_a_small_group_can_infer_before_they_link(
    client, checklist, council, councillor
):
    setup = build_group(council, checklist, councillors=3, members=3, submitted=0)
    groups.group_add_members(group=setup.group, users=[councillor])
    submit(councillor, checklist)
    client.force_login(councillor)

    html = client.get(reverse("assessments:group_detail", args=[setup.group.pk])).content.decode()

    warning = html.index("What others in a small group can tell")
    assert warning < html.index("Link to this group")
    assert "any 2 of them who put their own answers together can work out yours" in html
    assert "where every member gave the same answer, everyone can see what you answered" in html


def test_a_council_may_raise_its_minimum_for_its_groups(client, checklist, council, officer):
    council.group_min_responses = 5
    council.save()
    setup = build_group(council, checklist, councillors=5, members=5, submitted=4)
    client.force_login(officer)

    with pytest.raises(groups.GroupError, match="at least 5 members"):
        groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.DISCUSSION)
    html = page_of(client, setup.group)
    csv = client.get(reverse("assessments:group_report_csv", args=[setup.group.pk]))

    assert "at least 5 members" in html and "1 more member needs to submit" in html
    assert csv.status_code == 302


def test_a_council_raising_its_minimum_later_hides_a_smaller_round(
    client, checklist, council, officer
):
    setup = build_group(council, checklist, councillors=3, members=3)
    council.group_min_responses = 4
    council.save()
    client.force_login(officer)

    html = page_of(client, setup.group)

    assert "fewer than 4, the minimum" in html and "Agenda for discussion" not in html
    pdf = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk]))
    assert pdf.status_code == 302


def test_a_councils_minimum_never_lowers_the_service_wide_one(council, settings):
    settings.GROUP_MIN_RESPONSES = 3
    council.group_min_responses = 1

    assert group_reports.group_minimum(council) == 3
    council.group_min_responses = 7
    assert group_reports.group_minimum(council) == 7


def test_the_admin_refuses_a_council_minimum_below_the_service_wide_one(council):
    data = {"name": council.name, "slug": council.slug}

    low = CouncilForm({**data, "group_min_responses": 2}, instance=council)
    high = CouncilForm({**data, "group_min_responses": 4}, instance=council)

    assert not low.is_valid()
    assert "a council may raise the service-wide minimum but not lower it" in str(
        low.errors["group_min_responses"]
    )
    assert high.is_valid()


def test_the_overview_leaves_out_a_council_below_its_own_minimum(checklist, council):
    build_group(council, checklist, councillors=3, members=3)
    assert national_overview().councils_included == 1

    council.group_min_responses = 4
    council.save()

    overview = national_overview()
    assert overview.councils_included == 0 and overview.councils_excluded == 1
    assert overview.assessments_counted == 0
    assert all(q.total == 0 for area in overview.areas for q in area.questions)


# --- Item 10: a closed group keeps its answers ---------------------------------------------


@pytest.fixture
def closed(setup, checklist, council):
    groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.CLOSED)
    GroupAgreement.objects.create(group=setup.group, question=Question.objects.get(code="persist"))
    other = CouncillorGroup.objects.create(council=council, name="Scrutiny", checklist=checklist)
    groups.group_add_members(group=other, users=[setup.members[0]])
    return other


def test_a_member_cannot_move_their_assessment_out_of_a_closed_group(
    client, setup, closed, officer
):
    member = setup.members[0]
    assessment = setup.assessments[member.pk]
    client.force_login(officer)
    before = csv_of(client, setup.group)
    client.force_login(member)

    page = client.get(reverse("assessments:group_detail", args=[closed.pk])).content.decode()
    response = client.post(
        reverse("assessments:group_link", args=[closed.pk]),
        {"assessment": assessment.pk},
        follow=True,
    )
    with pytest.raises(groups.GroupError, match="closed, so it stays linked there"):
        groups.assessment_link_group(assessment=assessment, group=closed, user=member)

    assessment.refresh_from_db()
    assert assessment.group_id == setup.group.pk
    assert "Link to this group" not in page
    assert "Choose one of your own assessments" in response.content.decode()
    client.force_login(officer)
    assert csv_of(client, setup.group) == before


def test_an_officer_cannot_remove_or_add_members_of_a_closed_group(client, setup, closed, officer):
    client.force_login(officer)
    manage = client.get(reverse("assessments:group_detail", args=[setup.group.pk])).content
    before = csv_of(client, setup.group)

    response = remove(client, setup.group, setup.members[0])
    with pytest.raises(groups.GroupError, match="closed, so its members stay as they were"):
        groups.group_add_members(group=setup.group, users=[setup.others[0]])
    page = client.get(response.url).content.decode()

    assert GroupMembership.objects.filter(group=setup.group).count() == 4
    assert "closed, so its members stay as they were" in page
    assert b"Remove<span" not in manage and b"Add members</a>" not in manage
    assert csv_of(client, setup.group) == before
    assert GroupAgreement.objects.filter(group=setup.group).exists()


def test_a_closed_group_stays_closed(client, setup, closed, officer):
    with pytest.raises(groups.GroupError, match="stays closed and keeps its answers"):
        groups.group_set_status(group=setup.group, status=CouncillorGroup.Status.OPEN)
    client.force_login(officer)

    form = client.get(reverse("assessments:group_edit", args=[setup.group.pk])).content.decode()

    assert 'name="status"' not in form


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


def test_an_out_of_range_member_id_in_the_remove_address_is_not_found(client, setup, officer):
    client.force_login(officer)

    response = client.post(
        reverse("assessments:group_remove_member", args=[setup.group.pk, int(TOO_BIG)])
    )

    assert response.status_code == 404
