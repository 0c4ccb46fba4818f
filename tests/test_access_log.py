"""The audit trail of who did what with people's access (assessments.access_log)."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessments import access_log, groups, invitations
from assessments.models import AccessEvent, CouncillorGroup, GroupMembership, Invitation, User
from tests.builders import PASSWORD, add_note, make_user, submit
from tests.email_helpers import send_invitation

NEW_PASSWORD = "a new and different passphrase"

Action = AccessEvent.Action


def _only(action: AccessEvent.Action) -> AccessEvent:
    return AccessEvent.objects.get(action=action)


# --- Sharing -------------------------------------------------------------------------------


def test_sharing_and_withdrawing_a_report_are_recorded_once_each(client, checklist, councillor):
    report = submit(councillor, checklist, {"persist": "not-yet"})
    add_note(report, "persist", "A private note about the budget")
    client.force_login(councillor)
    for _ in range(2):  # a double click
        client.post(reverse("assessments:share_report", args=[report.pk]))
    shared = _only(Action.REPORT_SHARED)
    assert (shared.actor, shared.subject, shared.council) == (
        councillor,
        councillor,
        councillor.council,
    )
    assert shared.details == {"assessment": report.pk}
    for _ in range(2):
        client.post(reverse("assessments:withdraw_report", args=[report.pk]))
    assert _only(Action.REPORT_WITHDRAWN).details == {"assessment": report.pk}
    # Nothing of the answers or notes is copied into the trail.
    for event in AccessEvent.objects.all():
        assert "budget" not in str(event.details)
        assert "not-yet" not in str(event.details)


# --- Groups --------------------------------------------------------------------------------


@pytest.fixture
def group(checklist, council, officer):
    return CouncillorGroup.objects.create(
        council=council, name="Cabinet", checklist=checklist, facilitator=officer
    )


def test_adding_and_removing_a_group_member_are_recorded_with_who_did_it(
    client, group, officer, councillor
):
    client.force_login(officer)
    client.post(reverse("assessments:group_members", args=[group.pk]), {"members": [councillor.pk]})
    added = _only(Action.GROUP_MEMBER_ADDED)
    assert (added.actor, added.subject, added.group, added.council) == (
        officer,
        councillor,
        group,
        group.council,
    )
    url = reverse("assessments:group_remove_member", args=[group.pk, councillor.pk])
    client.post(url)
    assert not GroupMembership.objects.exists()
    removed = _only(Action.GROUP_MEMBER_REMOVED)
    assert (removed.actor, removed.subject, removed.group) == (officer, councillor, group)


def test_removing_someone_who_is_not_a_member_records_nothing(group, councillor):
    groups.group_remove_member(group=group, user=councillor)
    assert not AccessEvent.objects.exists()


# --- Invitations ---------------------------------------------------------------------------


def test_an_invitation_sent_revoked_and_a_new_one_accepted_are_recorded(client, council, officer):
    client.force_login(officer)
    client.post(
        reverse("assessments:invite"), {"full_name": "Nia Jones", "email": "nia@example.org"}
    )
    nia = User.objects.get(email="nia@example.org")
    sent = _only(Action.INVITATION_SENT)
    assert (sent.actor, sent.subject, sent.council) == (officer, nia, council)
    first = Invitation.objects.get()
    for _ in range(2):  # a double click revokes once
        client.post(reverse("assessments:revoke_invitation", args=[first.pk]))
    revoked = _only(Action.INVITATION_REVOKED)
    assert (revoked.actor, revoked.subject) == (officer, nia)
    assert revoked.details == {"invitation": first.pk}

    second = invitations.invitation_resend(invitation=first, invited_by=officer)
    token = send_invitation(second)
    client.logout()
    client.post(
        reverse("assessments:accept_invitation", args=[token]),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    accepted = _only(Action.INVITATION_ACCEPTED)
    assert (accepted.actor, accepted.subject) == (nia, nia)
    assert accepted.details["invitation"] == second.pk
    assert NEW_PASSWORD not in str(accepted.details)
    assert AccessEvent.objects.filter(action=Action.INVITATION_SENT).count() == 2


def test_a_list_invitation_records_each_person_invited(council, officer):
    lines = [
        invitations.InviteLine(line=1, full_name="Nia Jones", email="nia@example.org"),
        invitations.InviteLine(line=2, full_name="Owain Rees", email="owain@example.org"),
    ]
    invitations.invite_many(council=council, lines=lines, invited_by=officer)
    events = AccessEvent.objects.filter(action=Action.INVITATION_SENT)
    assert sorted(e.subject.email for e in events) == ["nia@example.org", "owain@example.org"]
    assert {(e.actor, e.council) for e in events} == {(officer, council)}


# --- Passwords -----------------------------------------------------------------------------


def test_a_password_change_is_recorded_without_the_password(client, councillor):
    client.force_login(councillor)
    client.post(
        reverse("assessments:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    event = _only(Action.PASSWORD_CHANGED)
    assert (event.actor, event.subject) == (councillor, councillor)
    assert event.details == {}


def test_a_password_reset_by_email_is_recorded(client, councillor):
    uid = urlsafe_base64_encode(force_bytes(councillor.pk))
    token = default_token_generator.make_token(councillor)
    page = client.get(reverse("assessments:password_reset_confirm", args=[uid, token]))
    client.post(page.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    event = _only(Action.PASSWORD_RESET)
    assert (event.actor, event.subject) == (councillor, councillor)


def test_a_refused_password_change_records_nothing(client, councillor):
    client.force_login(councillor)
    client.post(
        reverse("assessments:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert not AccessEvent.objects.exists()


# --- Accounts in admin ---------------------------------------------------------------------


def _admin_change(client, user: User, **changes):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "council": user.council_id or "",
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "language": user.language,
        "reminders_enabled": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    data = {k: v for k, v in data.items() if v not in ("", None) or k in {"council", "language"}}
    response = client.post(reverse("admin:assessments_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_admin_changes_to_role_activation_staff_and_council_are_recorded(
    client, admin_user, councillor, other_council
):
    client.force_login(admin_user)
    _admin_change(
        client,
        councillor,
        role=User.Role.OFFICER,
        is_active="",
        is_staff="on",
        council=other_council.pk,
    )
    events = {e.action: e for e in AccessEvent.objects.all()}
    assert set(events) == {
        Action.ROLE_CHANGED,
        Action.ACTIVATION_CHANGED,
        Action.STAFF_CHANGED,
        Action.COUNCIL_CHANGED,
    }
    assert events[Action.ROLE_CHANGED].details == {
        "field": "role",
        "old": "councillor",
        "new": "officer",
    }
    assert events[Action.ACTIVATION_CHANGED].details == {
        "field": "is_active",
        "old": True,
        "new": False,
    }
    moved = events[Action.COUNCIL_CHANGED]
    assert moved.details["old"]["id"] != moved.details["new"]["id"] == other_council.pk
    assert {e.actor for e in events.values()} == {admin_user}
    assert {e.subject for e in events.values()} == {councillor}


def test_an_admin_save_that_changes_no_access_records_nothing(client, admin_user, councillor):
    client.force_login(admin_user)
    _admin_change(client, councillor, full_name="Alex Morgan-Jones")
    assert not AccessEvent.objects.exists()


# --- The function and the admin ------------------------------------------------------------


@pytest.mark.parametrize("key", ["note", "notes", "answer", "answers", "password", "token"])
def test_the_trail_refuses_answers_notes_passwords_and_tokens(councillor, key):
    with pytest.raises(ValueError):
        access_log.audit_access(
            action=Action.TWO_FACTOR_RESET, actor=None, subject=councillor, details={key: "x"}
        )
    assert not AccessEvent.objects.exists()


def test_the_hooks_for_sign_in_with_a_council_account_and_two_factor_work(councillor, admin_user):
    access_log.audit_access(action=Action.SSO_LINKED, actor=None, subject=councillor)
    access_log.audit_access(action=Action.TWO_FACTOR_RESET, actor=admin_user, subject=councillor)
    assert AccessEvent.objects.filter(council=councillor.council).count() == 2


def test_admins_read_the_trail_but_cannot_add_change_or_delete(client, admin_user, councillor):
    event = access_log.audit_access(
        action=Action.ROLE_CHANGED, actor=admin_user, subject=councillor
    )
    client.force_login(admin_user)
    changelist = reverse("admin:assessments_accessevent_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:assessments_accessevent_add")).status_code == 403
    detail = client.get(reverse("admin:assessments_accessevent_change", args=[event.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    delete = reverse("admin:assessments_accessevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_admins_filter_by_council_action_and_date_and_search_by_person(
    client, admin_user, councillor, other_councillor
):
    access_log.audit_access(action=Action.ROLE_CHANGED, actor=admin_user, subject=councillor)
    access_log.audit_access(
        action=Action.ACTIVATION_CHANGED, actor=admin_user, subject=other_councillor
    )
    client.force_login(admin_user)
    changelist = reverse("admin:assessments_accessevent_changelist")

    def shown(**query) -> int:
        response = client.get(changelist, query)
        assert response.status_code == 200
        return response.context["cl"].result_count

    assert shown() == 2
    assert shown(council__id__exact=councillor.council_id) == 1
    assert shown(action__exact=Action.ACTIVATION_CHANGED) == 1
    assert shown(q="Chris Evans") == 1
    assert shown(q=councillor.email) == 1
    assert shown(created_at__year=timezone.now().year) == 2


def test_each_persons_admin_page_links_to_their_events(client, admin_user, councillor):
    access_log.audit_access(action=Action.ROLE_CHANGED, actor=admin_user, subject=councillor)
    client.force_login(admin_user)
    page = client.get(reverse("admin:assessments_user_change", args=[councillor.pk]))
    link = (
        f"{reverse('admin:assessments_accessevent_changelist')}?subject__id__exact={councillor.pk}"
    )
    assert link in page.content.decode()
    assert client.get(link).context["cl"].result_count == 1


def test_an_officer_cannot_open_the_trail(client, officer):
    client.force_login(officer)
    response = client.get(reverse("admin:assessments_accessevent_changelist"))
    assert response.status_code == 302  # to the admin's sign-in


def test_a_made_account_in_admin_is_recorded(client, admin_user, council):
    client.force_login(admin_user)
    client.post(
        reverse("admin:assessments_user_add"),
        {
            "email": "new@example.org",
            "full_name": "New Person",
            "council": council.pk,
            "role": User.Role.OFFICER,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    event = _only(Action.ACCOUNT_CREATED)
    assert event.subject.email == "new@example.org"
    assert event.details["role"] == "officer"


def test_make_user_records_nothing(council):
    make_user(email="x@example.org", full_name="X", council=council)
    assert not AccessEvent.objects.exists()


def test_an_admins_change_to_a_councils_settings_is_recorded(client, admin_user, council):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:assessments_council_change", args=[council.pk]),
        {"name": council.name, "slug": council.slug, "welsh_first": "on"},
    )
    assert response.status_code == 302
    event = _only(Action.COUNCIL_SETTINGS_CHANGED)
    assert (event.actor, event.council) == (admin_user, council)
    assert event.details == {"welsh_first": {"old": False, "new": True}}


def test_a_councils_secret_setting_is_recorded_as_changed_without_its_value(admin_user, council):
    access_log.audit_council_changes(
        actor=admin_user, council=council, changed={"oidc_client_secret": ("old", "new")}
    )
    assert _only(Action.COUNCIL_SETTINGS_CHANGED).details == {
        "oidc_client_secret": {"changed": True}
    }
