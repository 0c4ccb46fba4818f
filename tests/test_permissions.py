"""
Who gets what from every URL of the service.

The matrix lists each URL name of the `assessments` namespace with the method that does its work
and the status each of seven people gets: anonymous, councillor A, councillor B (A's council),
councillor C (another council), an officer of A's council, an officer of another council, and
an admin. "S" is a redirect to sign in. A new URL fails `test_every_url_is_in_the_matrix` until
it is added here, so nobody ships a page without deciding who may open it.

The objects are all A's or A's council's: A's submitted report (shared with officers), A's
draft, a pending invitation to A's council, and a group of A's council with A and B as members
and A's report linked to it. An officer of another council gets 404 for every one of them.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import get_resolver, reverse
from django.utils import timezone

from assessments import invitations, permissions
from assessments.models import Assessment, CouncillorGroup, GroupMembership, StepReview, User
from tests.builders import add_step, make_user, submit
from tests.email_helpers import make_sign_in_link, send_invitation

SIGN_IN_URL = reverse("assessments:sign_in")
ROLES = ["anonymous", "a", "b", "c", "officer", "other_officer", "admin"]
PERSONAS = {
    "a": "councillor",
    "b": "second_councillor",
    "c": "other_councillor",
    "officer": "officer",
    "other_officer": "other_officer",
    "admin": "admin_user",
}

# name: (method, "anonymous a b c officer other_officer admin")
MATRIX = {
    # Public pages
    "start": ("get", "200 200 200 200 200 200 200"),
    "accessibility": ("get", "200 200 200 200 200 200 200"),
    "privacy": ("get", "200 200 200 200 200 200 200"),
    "blank_checklist": ("get", "200 200 200 200 200 200 200"),
    "blank_checklist_pdf": ("get", "200 200 200 200 200 200 200"),
    # Accounts and invitations
    "sign_in": ("get", "200 302 302 302 302 302 302"),
    # Council sign-in: the email page is open to all; a callback without a sign-in started in
    # this browser is refused for everybody
    "sso_start": ("get", "200 200 200 200 200 200 200"),
    "sso_callback": ("get", "403 403 403 403 403 403 403"),
    "sign_out": ("post", "S 302 302 302 302 302 302"),
    "password_reset": ("get", "200 200 200 200 200 200 200"),
    "password_reset_done": ("get", "200 200 200 200 200 200 200"),
    "password_reset_confirm": ("get", "200 200 200 200 200 200 200"),
    "password_reset_complete": ("get", "200 200 200 200 200 200 200"),
    "password_change": ("get", "S 200 200 200 200 200 200"),
    "password_change_done": ("get", "S 200 200 200 200 200 200"),
    "invite": ("get", "S 403 403 403 200 200 200"),
    "resend_invitation": ("post", "S 403 403 403 302 404 302"),
    "revoke_invitation": ("post", "S 403 403 403 302 404 302"),
    "accept_invitation": ("get", "200 200 200 200 200 200 200"),
    "sign_in_link": ("get", "200 200 200 200 200 200 200"),
    "sign_in_link_sent": ("get", "200 200 200 200 200 200 200"),
    "sign_in_link_use": ("get", "200 200 200 200 200 200 200"),
    # Two-factor: the code step is only for someone who has just given a good password (everyone
    # else goes back to sign in); set-up is for officers and admins; an officer without an
    # authenticator is sent from the recovery codes to set-up.
    "two_factor_verify": ("get", "S S S S S S S"),
    "two_factor_setup": ("get", "S 403 403 403 200 200 200"),
    "two_factor_recovery_codes": ("get", "S 403 403 403 302 302 200"),
    # Your data
    "your_data": ("get", "S 200 200 200 200 200 200"),
    "your_data_download": ("post", "S 200 200 200 200 200 200"),
    "delete_account": ("get", "S 200 200 200 200 200 403"),
    "email_reminders": ("get", "S 200 200 200 403 403 403"),
    # Dashboard and answering: the owner's only
    "dashboard": ("get", "S 200 200 200 200 200 200"),
    "assessment_start": ("get", "S 302 200 200 403 403 403"),
    "assessment_detail": ("get", "S 200 404 404 404 404 404"),
    "area": ("get", "S 200 404 404 404 404 404"),
    "check_answers": ("get", "S 200 404 404 404 404 404"),
    "last_plan": ("get", "S 200 404 404 404 404 404"),
    "submit": ("post", "S 200 404 404 404 404 404"),
    "confirmation": ("get", "S 200 404 404 404 404 404"),
    "report": ("get", "S 200 404 404 404 404 404"),
    "report_pdf": ("get", "S 200 404 404 404 404 404"),
    "action_step": ("get", "S 200 404 404 404 404 404"),
    "action_step_calendar": ("get", "S 200 404 404 404 404 404"),
    "action_step_unfocus": ("post", "S 302 404 404 404 404 404"),
    "action_step_delete": ("get", "S 200 404 404 404 404 404"),
    "action_step_carry_over": ("post", "S 302 404 404 404 404 404"),
    # Officers, sharing and the national overview
    "council_dashboard": ("get", "S 403 403 403 200 404 200"),
    "council_progress_csv": ("get", "S 403 403 403 200 404 200"),
    "bulk_invite": ("get", "S 403 403 403 200 404 200"),
    "remind_councillors": ("get", "S 403 403 403 200 404 200"),
    "shared_report": ("get", "S 403 403 403 200 404 404"),
    "shared_report_pdf": ("get", "S 403 403 403 200 404 404"),
    "share_report": ("post", "S 302 404 404 404 404 404"),
    "withdraw_report": ("post", "S 302 404 404 404 404 404"),
    "national_overview": ("get", "S 403 403 403 403 403 200"),
    # Groups: members see, the council's officers and admins manage
    "group_list": ("get", "S 200 200 200 200 200 200"),
    "group_create": ("get", "S 403 403 403 200 200 200"),
    "group_detail": ("get", "S 200 200 404 200 404 200"),
    "group_edit": ("get", "S 403 403 404 200 404 200"),
    "group_members": ("get", "S 403 403 404 200 404 200"),
    # The confirmation first (GET); its POST removes (302 back to the group).
    "group_remove_member": ("get", "S 403 403 404 200 404 200"),
    "group_remind_members": ("get", "S 403 403 404 200 404 200"),
    "group_link": ("post", "S 302 302 404 302 404 302"),
    "group_unlink": ("post", "S 302 404 404 404 404 404"),
    "group_report": ("get", "S 200 200 404 200 404 200"),
    # Below the minimum of submissions the PDF sends people back to the report page.
    "group_report_pdf": ("get", "S 302 302 404 302 404 302"),
    "group_report_csv": ("get", "S 403 403 404 302 404 302"),
    "group_agreement": ("get", "S 403 403 404 302 404 302"),
    # The meeting's papers are the facilitator's. Below the minimum the PDFs say the figures
    # are not available yet, and the projector has only its start screen (screen 1: 404).
    "group_meeting_pack": ("get", "S 403 403 404 200 404 200"),
    "group_agreed_plan": ("get", "S 403 403 404 200 404 200"),
    "group_projector": ("get", "S 403 403 404 200 404 200"),
    "group_projector_screen": ("get", "S 403 403 404 404 404 404"),
}


def assessments_url_names() -> set[str]:
    _prefix, resolver = get_resolver().namespace_dict["assessments"]
    return {pattern.name for pattern in resolver.url_patterns}


def test_every_url_is_in_the_matrix():
    names = assessments_url_names()

    assert sorted(names - MATRIX.keys()) == [], "Add these URLs to the permission matrix"
    assert sorted(MATRIX.keys() - names) == [], "These URLs no longer exist"


@pytest.fixture
def world(checklist, council, councillor, second_councillor, officer, request):
    """A's draft and shared report (with a dated next step, and a review of a step of A's
    earlier plan), an invitation, and a group of A and B with A's report."""
    earlier = submit(
        councillor,
        checklist,
        {"persist": "not-yet"},
        submitted_at=timezone.now() - datetime.timedelta(days=365),
    )
    report = submit(councillor, checklist, {"persist": "not-yet"}, shared=True)
    step = add_step(report, "persist", what="Keep going", due_date=datetime.date(2027, 3, 1))
    review = StepReview.objects.create(
        assessment=report,
        step=add_step(earlier, "persist", what="Start going"),
        outcome=StepReview.Outcome.NOT_DONE,
    )
    draft = Assessment.objects.create(owner=councillor, checklist=checklist)
    StepReview.objects.create(assessment=draft, step=step)  # so the draft has a last plan
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    token = send_invitation(invitation)
    group = CouncillorGroup.objects.create(
        council=council, name="Cabinet", checklist=checklist, facilitator=officer
    )
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(group=group, user=councillor),
            GroupMembership(group=group, user=second_councillor),
        ]
    )
    report.group = group
    report.save()
    return {
        "report": report,
        "draft": draft,
        "invitation": invitation,
        "token": token,
        "sign_in_token": make_sign_in_link(councillor),
        "group": group,
        "council": council,
        "b": second_councillor,
        "step": step,
        "review": review,
    }


def url_for(name: str, w: dict) -> str:
    return reverse(f"assessments:{name}", args=url_args(name, w))


def url_args(name: str, w: dict) -> list:
    report, draft, group = w["report"], w["draft"], w["group"]
    slug = w["council"].slug
    return {
        "password_reset_confirm": ["MQ", "set-password"],
        "resend_invitation": [w["invitation"].pk],
        "revoke_invitation": [w["invitation"].pk],
        "accept_invitation": [w["token"]],
        "sign_in_link_use": [w["sign_in_token"]],
        "assessment_detail": [report.pk],
        "area": [draft.pk, "climate"],
        "check_answers": [draft.pk],
        "last_plan": [draft.pk],
        "submit": [draft.pk],
        "confirmation": [report.pk],
        "report": [report.pk],
        "report_pdf": [report.pk],
        "action_step": [report.pk, "persist"],
        "action_step_calendar": [w["step"].pk],
        "action_step_unfocus": [report.pk, "persist"],
        "action_step_delete": [report.pk, "persist"],
        "action_step_carry_over": [report.pk, w["review"].pk],
        "council_dashboard": [slug],
        "council_progress_csv": [slug],
        "bulk_invite": [slug],
        "remind_councillors": [slug],
        "shared_report": [slug, report.pk],
        "shared_report_pdf": [slug, report.pk],
        "share_report": [report.pk],
        "withdraw_report": [report.pk],
        "group_detail": [group.pk],
        "group_edit": [group.pk],
        "group_members": [group.pk],
        "group_remove_member": [group.pk, w["b"].pk],
        "group_remind_members": [group.pk],
        "group_link": [group.pk],
        "group_unlink": [group.pk, report.pk],
        "group_report": [group.pk],
        "group_report_pdf": [group.pk],
        "group_report_csv": [group.pk],
        "group_agreement": [group.pk, "persist"],
        "group_meeting_pack": [group.pk],
        "group_agreed_plan": [group.pk],
        "group_projector": [group.pk],
        "group_projector_screen": [group.pk, 1],
    }.get(name, [])


@pytest.mark.parametrize("name", MATRIX)
def test_each_person_gets_the_status_the_matrix_gives(client, world, name, request):
    method, statuses = MATRIX[name]
    url = url_for(name, world)
    people = {role: request.getfixturevalue(persona) for role, persona in PERSONAS.items()}
    got = []
    for role in ROLES:
        # Each person starts from the same data: what one request changes is rolled back.
        with transaction.atomic():
            client.logout()
            if role != "anonymous":
                client.force_login(people[role])
            response = getattr(client, method)(url)
            if response.status_code == 302 and response.url.startswith(SIGN_IN_URL):
                got.append("S")
            else:
                got.append(str(response.status_code))
            transaction.set_rollback(True)

    assert " ".join(got) == statuses, f"{name}: {' '.join(ROLES)}"


def test_an_officer_of_another_council_gets_not_found_for_everything_of_this_council(
    client, world, other_officer
):
    """Every URL naming one of this council's objects answers 404 (or 405 for a method it
    never takes): never a page, a redirect or a 403 that would say the object exists."""
    client.force_login(other_officer)
    names = [
        name
        for name in MATRIX
        if url_args(name, world)
        # links, not objects
        and name not in {"password_reset_confirm", "accept_invitation", "sign_in_link_use"}
    ]
    assert len(names) == 38

    for name in names:
        method = MATRIX[name][0]
        other = "post" if method == "get" else "get"
        assert getattr(client, method)(url_for(name, world)).status_code == 404, name
        assert getattr(client, other)(url_for(name, world)).status_code in (404, 405), name


@pytest.mark.parametrize(
    "name", [name for name, (method, _s) in MATRIX.items() if method == "post"]
)
def test_post_only_urls_refuse_a_get_with_405(client, world, councillor, name):
    client.force_login(councillor)

    assert client.get(url_for(name, world)).status_code == 405


# --- The access helpers themselves ---------------------------------------------------------
# Each `get_<object>_for_<role>` answers 404 for another person's object (or another council's),
# so that a page can never show it whatever the view around it does.


def test_an_assessment_is_found_for_its_owner_only(
    world, councillor, second_councillor, admin_user
):
    draft = world["draft"]

    assert permissions.get_assessment_for_owner(councillor, draft.pk) == draft
    for person in (second_councillor, admin_user):
        with pytest.raises(Http404):
            permissions.get_assessment_for_owner(person, draft.pk)


def test_a_submitted_assessment_is_not_found_while_it_is_a_draft(world, councillor):
    report, draft = world["report"], world["draft"]

    assert permissions.get_assessment_for_owner(councillor, report.pk, submitted=True) == report
    with pytest.raises(Http404):
        permissions.get_assessment_for_owner(councillor, draft.pk, submitted=True)


def test_a_council_is_found_for_its_officers_and_admins_only(
    world, officer, other_officer, admin_user, councillor
):
    slug = world["council"].slug

    assert permissions.get_council_for_officer(officer, slug) == world["council"]
    assert permissions.get_council_for_officer(admin_user, slug) == world["council"]
    with pytest.raises(Http404):
        permissions.get_council_for_officer(other_officer, slug)
    with pytest.raises(PermissionDenied):
        permissions.get_council_for_officer(councillor, slug)


def test_a_shared_report_is_found_for_the_officers_of_its_authors_council_only(
    world, officer, other_officer, admin_user
):
    report, slug = world["report"], world["council"].slug

    assert permissions.get_shared_report_for_officer(officer, slug, report.pk) == report
    for person in (other_officer, admin_user):
        with pytest.raises(Http404):
            permissions.get_shared_report_for_officer(person, slug, report.pk)


def test_a_report_is_not_found_for_officers_once_its_author_stops_sharing_it(world, officer):
    report = world["report"]
    Assessment.objects.filter(pk=report.pk).update(shared_at=None)

    with pytest.raises(Http404):
        permissions.get_shared_report_for_officer(officer, world["council"].slug, report.pk)


def test_an_invitation_is_found_for_its_councils_officers_and_admins_only(
    world, officer, other_officer, admin_user, councillor
):
    invitation = world["invitation"]

    assert permissions.get_invitation_for_inviter(officer, invitation.pk) == invitation
    assert permissions.get_invitation_for_inviter(admin_user, invitation.pk) == invitation
    with pytest.raises(Http404):
        permissions.get_invitation_for_inviter(other_officer, invitation.pk)
    with pytest.raises(PermissionDenied):
        permissions.get_invitation_for_inviter(councillor, invitation.pk)


def test_a_group_is_found_for_its_members_its_councils_officers_and_admins_only(
    world, councillor, officer, admin_user, other_officer, other_councillor, council
):
    group = world["group"]
    outsider = make_user(email="not.a.member@example.org", full_name="Not Member", council=council)

    for person in (councillor, officer, admin_user):
        assert permissions.get_group_for_member(person, group.pk) == group
    for person in (other_officer, other_councillor, outsider):
        with pytest.raises(Http404):
            permissions.get_group_for_member(person, group.pk)


def test_a_group_is_managed_by_its_councils_officers_and_admins_and_refused_to_its_members(
    world, councillor, officer, admin_user, other_officer
):
    group = world["group"]

    for person in (officer, admin_user):
        assert permissions.get_group_for_manager(person, group.pk) == group
    with pytest.raises(PermissionDenied):
        permissions.get_group_for_manager(councillor, group.pk)
    with pytest.raises(Http404):
        permissions.get_group_for_manager(other_officer, group.pk)


# --- The three roles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, roles",
    [
        ("councillor", {"is_councillor": True, "is_officer": False, "is_admin": False}),
        ("officer", {"is_councillor": False, "is_officer": True, "is_admin": False}),
        ("admin_user", {"is_councillor": False, "is_officer": False, "is_admin": True}),
    ],
)
def test_each_persona_has_one_role(rf, request, persona, roles):
    http_request = rf.get("/")
    http_request.user = request.getfixturevalue(persona)

    assert permissions.roles(http_request) == roles


def test_an_officer_without_a_council_is_not_an_officer_yet(db):
    unlinked = make_user(email="new.officer@example.org", full_name="New", role=User.Role.OFFICER)

    assert not permissions.is_officer(unlinked)
    assert not permissions.is_councillor(unlinked)


def test_a_staff_account_never_answers_the_checklist_whatever_its_role(db):
    staff = make_user(email="staff@example.org", full_name="Staff", is_staff=True)

    assert staff.role == User.Role.COUNCILLOR
    assert not permissions.is_councillor(staff)
    assert permissions.is_admin(staff)


def test_nobody_signed_out_has_a_role(rf):
    http_request = rf.get("/")
    http_request.user = AnonymousUser()

    assert permissions.roles(http_request) == {
        "is_councillor": False,
        "is_officer": False,
        "is_admin": False,
    }


def test_a_page_rendered_before_sign_in_is_known_has_no_role(rf):
    """Django's 400 page renders with a request that authentication never reached."""
    assert permissions.roles(rf.get("/")) == {
        "is_councillor": False,
        "is_officer": False,
        "is_admin": False,
    }
