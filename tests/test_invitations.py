"""Officers and admins invite councillors; the emailed link sets a password once, within 7 days."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import invitations
from assessments.invitations import InvitationError, InvitationNotUsable, InvitationStatus
from assessments.models import Email, Invitation, User
from tests.email_helpers import send_invitation, token_in

NEW_PASSWORD = "a brand new garden of lilies"


@pytest.fixture
def invitation_and_token(council, officer) -> tuple[Invitation, str]:
    """An invitation whose email went (by its task), with the token of the link it carried."""
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="Nia.Jones@Example.org", invited_by=officer
    )
    token = send_invitation(invitation)
    invitation.refresh_from_db()
    return invitation, token


@pytest.fixture
def invitation(invitation_and_token) -> Invitation:
    return invitation_and_token[0]


@pytest.fixture
def accept_url(invitation_and_token) -> str:
    return reverse("assessments:accept_invitation", kwargs={"token": invitation_and_token[1]})


def _invite(client, **data):
    return client.post(reverse("assessments:invite"), data)


# --- The services --------------------------------------------------------------------------


def test_an_invitation_creates_an_inactive_councillor_account_with_no_usable_password(
    invitation, council, officer
):
    user = invitation.user
    assert user.email == "nia.jones@example.org"
    assert user.full_name == "Nia Jones"
    assert user.council == council
    assert user.role == User.Role.COUNCILLOR
    assert not user.is_active
    assert not user.has_usable_password()
    assert invitation.invited_by == officer


def test_an_invitation_is_recorded_with_its_email_queued_and_nothing_sent(council, officer):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )

    email = Email.objects.get()
    assert (email.purpose, email.invitation, email.user) == (
        Email.Purpose.INVITATION,
        invitation,
        invitation.user,
    )
    assert email.key == f"invitation:{invitation.pk}"
    assert email.state == Email.State.QUEUED
    assert mail.outbox == []


def test_sending_records_that_the_email_went_and_when(invitation):
    email = Email.objects.get(invitation=invitation)
    assert email.state == Email.State.SENT
    assert email.sent_at is not None


def test_the_database_refuses_a_sent_email_without_its_time(invitation):
    with pytest.raises(IntegrityError):
        Email.objects.filter(invitation=invitation).update(sent_at=None)


def test_the_task_makes_the_links_token_so_the_one_made_with_the_invitation_never_works(
    council, officer
):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    made_with = invitation.token_hash

    token = send_invitation(invitation)

    invitation.refresh_from_db()
    assert invitation.token_hash != made_with
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitations.check_invitation_token(token) == invitation


def test_a_retry_makes_a_new_link_and_only_the_last_email_sent_carries_one_that_works(
    council, officer, run_tasks
):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    email = Email.objects.get()
    token = send_invitation(invitation)
    Email.objects.filter(pk=email.pk).update(state=Email.State.QUEUED, sent_at=None)

    second = send_invitation(invitation)

    assert second != token
    with pytest.raises(InvitationNotUsable):
        invitations.check_invitation_token(token)
    assert invitations.check_invitation_token(second) == invitation


def test_an_invitation_revoked_before_its_email_went_is_cancelled_and_not_sent(
    council, officer, run_tasks
):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    invitations.invitation_revoke(invitation=invitation)

    run_tasks()

    assert Email.objects.get().state == Email.State.CANCELLED
    assert mail.outbox == []


def test_an_invitation_that_expired_before_its_email_went_is_cancelled(council, officer, run_tasks):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    run_tasks()

    assert Email.objects.get().state == Email.State.CANCELLED
    assert mail.outbox == []


def test_a_resend_cancels_the_old_email_still_waiting_and_sends_only_the_new_one(
    council, officer, run_tasks
):
    old = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    new = invitations.invitation_resend(invitation=old, invited_by=officer)

    run_tasks()

    states = dict(Email.objects.values_list("invitation_id", "state"))
    assert states == {old.pk: Email.State.CANCELLED, new.pk: Email.State.SENT}
    assert len(mail.outbox) == 1
    assert invitations.check_invitation_token(token_in(mail.outbox[0].body)) == new


def test_only_a_hash_of_the_token_is_stored_and_the_link_lasts_seven_days(
    invitation_and_token,
):
    invitation, token = invitation_and_token
    assert len(token) >= 40
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - timedelta(days=settings.INVITATION_EXPIRY_DAYS)) < timedelta(seconds=5)
    assert settings.INVITATION_EXPIRY_DAYS == 7


def test_an_email_with_an_account_in_the_same_council_is_not_invited_twice(
    councillor, invitation, council, officer
):
    with pytest.raises(InvitationError, match="already has an account for Northshire"):
        invitations.invitation_create(
            council=council, full_name="Alex", email=councillor.email, invited_by=officer
        )
    with pytest.raises(InvitationError, match="has already been invited to Northshire"):
        invitations.invitation_create(
            council=council, full_name="Nia", email="NIA.jones@example.org", invited_by=officer
        )
    assert Invitation.objects.count() == 1


def test_an_email_of_another_council_gets_a_plain_error(other_councillor, council, officer):
    with pytest.raises(InvitationError, match="cannot be invited to this council"):
        invitations.invitation_create(
            council=council, full_name="Chris", email=other_councillor.email, invited_by=officer
        )
    other_councillor.refresh_from_db()
    assert other_councillor.council.slug == "southvale"


def test_the_email_names_the_council_inviter_checklist_link_and_expiry(council, officer, settings):
    settings.SITE_URL = "https://innovation.example.org"
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="Nia.Jones@Example.org", invited_by=officer
    )
    token = send_invitation(invitation)  # by the task, with no request: SITE_URL
    invitation.refresh_from_db()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nia.jones@example.org"]
    assert "Northshire County Council" in message.subject
    path = reverse("assessments:accept_invitation", kwargs={"token": token})
    link = "https://innovation.example.org" + path
    expiry = timezone.localtime(invitation.expires_at).strftime("%-d %B %Y")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert "Dear Nia Jones" in body
        assert "Jo Williams of Northshire County Council has invited you" in body
        assert "Key Actions for Innovation" in body
        assert "self-assessment for councillors" in body
        assert link in body
        assert expiry in body
    assert f'<a href="{link}"' in html


def test_html_in_a_name_is_plain_text_in_the_email(council, officer):
    invitation = invitations.invitation_create(
        council=council,
        full_name="<b>Sam</b> & Co",
        email="sam.new@example.org",
        invited_by=officer,
    )
    send_invitation(invitation)
    message = mail.outbox[0]
    assert "Dear <b>Sam</b> & Co," in message.body  # plain text is not HTML-escaped
    html = message.alternatives[0][0]
    assert "Dear &lt;b&gt;Sam&lt;/b&gt; &amp; Co," in html
    assert "<b>Sam</b>" not in html


def test_accepting_sets_the_password_activates_the_account_and_uses_up_the_link(
    invitation_and_token,
):
    invitation, token = invitation_and_token
    user = invitations.invitation_accept(token=token, password=NEW_PASSWORD)
    invitation.refresh_from_db()
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    assert invitation.accepted_at is not None
    with pytest.raises(InvitationNotUsable) as problem:
        invitations.invitation_accept(token=token, password="another password entirely")
    assert problem.value.reason == InvitationNotUsable.Reason.USED
    assert str(problem.value) == "This invitation has already been used"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_resending_revokes_the_old_link_and_sends_a_working_new_one(invitation_and_token, officer):
    old, old_token = invitation_and_token
    new = invitations.invitation_resend(invitation=old, invited_by=officer)
    new_token = send_invitation(new)
    old.refresh_from_db()
    assert old.revoked_at is not None
    with pytest.raises(InvitationNotUsable, match="This invitation has been withdrawn") as problem:
        invitations.check_invitation_token(old_token)
    assert problem.value.reason == InvitationNotUsable.Reason.REVOKED
    assert invitations.check_invitation_token(new_token) == new


def test_an_accepted_invitation_cannot_be_resent_or_revoked(invitation_and_token, officer):
    invitation, token = invitation_and_token
    invitations.invitation_accept(token=token, password=NEW_PASSWORD)
    invitation.refresh_from_db()
    with pytest.raises(InvitationError, match="has already set a password"):
        invitations.invitation_resend(invitation=invitation, invited_by=officer)
    with pytest.raises(InvitationError, match="has already been used, so it cannot be revoked"):
        invitations.invitation_revoke(invitation=invitation)


@pytest.mark.parametrize(
    ("accepted", "revoked", "expired", "status"),
    [
        (False, False, False, InvitationStatus.PENDING),
        (False, False, True, InvitationStatus.EXPIRED),
        (False, True, False, InvitationStatus.REVOKED),
        (False, True, True, InvitationStatus.REVOKED),
        (True, False, False, InvitationStatus.ACCEPTED),
        (True, True, True, InvitationStatus.ACCEPTED),
    ],
)
def test_an_invitations_status_is_read_off_its_dates_used_first_then_revoked_then_expired(
    accepted, revoked, expired, status
):
    now = timezone.now()
    invitation = Invitation(
        accepted_at=now - timedelta(days=2) if accepted else None,
        revoked_at=now - timedelta(days=1) if revoked else None,
        expires_at=now - timedelta(minutes=1) if expired else now + timedelta(days=1),
    )

    assert invitations.invitation_status(invitation, now=now) is status


# --- Accepting through the link ------------------------------------------------------------


def test_the_link_asks_the_invitee_to_set_a_password(client, accept_url):
    response = client.get(accept_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Set your password</h1>' in html
    assert "Northshire County Council" in html
    assert "nia.jones@example.org" in html
    assert html.count('autocomplete="new-password"') == 2
    assert ">Set password</button>" in html


def test_setting_a_password_activates_signs_in_and_goes_to_the_dashboard(
    client, accept_url, invitation
):
    response = client.post(
        accept_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("assessments:dashboard")
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.user.is_active
    assert int(client.session["_auth_user_id"]) == invitation.user.pk
    # They can sign in with it later, too.
    client.post(reverse("assessments:sign_out"))
    response = Client().post(
        reverse("assessments:sign_in"),
        {"email": "nia.jones@example.org", "password": NEW_PASSWORD},
    )
    assert response.status_code == 302


def test_a_weak_or_mismatched_password_is_refused_and_the_link_still_works(
    client, accept_url, invitation
):
    html = client.post(accept_url, {"new_password1": "short", "new_password2": "short"})
    html = html.content.decode()
    assert '<a href="#id_new_password1">This password is too short.' in html
    html = client.post(
        accept_url, {"new_password1": NEW_PASSWORD, "new_password2": "something else again"}
    ).content.decode()
    assert '<a href="#id_new_password2">The passwords do not match.' in html
    html = client.post(accept_url, {}).content.decode()
    assert '<a href="#id_new_password1">Enter a password</a>' in html
    assert '<a href="#id_new_password2">Enter the password again</a>' in html
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not invitation.user.is_active
    assert "_auth_user_id" not in client.session


def test_a_used_link_says_so_and_points_to_sign_in_and_password_reset(
    client, accept_url, invitation_and_token
):
    invitations.invitation_accept(token=invitation_and_token[1], password=NEW_PASSWORD)
    for method in (client.get, client.post):
        response = method(accept_url, {"new_password1": "x" * 20, "new_password2": "x" * 20})
        html = response.content.decode()
        assert response.status_code == 410
        assert "This invitation has already been used" in html
        assert reverse("assessments:sign_in") in html
        assert reverse("assessments:password_reset") in html
    invitation_and_token[0].user.refresh_from_db()
    assert invitation_and_token[0].user.check_password(NEW_PASSWORD)


def test_an_expired_link_says_so_and_says_to_ask_for_a_new_invitation(
    client, accept_url, invitation
):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(
        accept_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    html = response.content.decode()
    assert response.status_code == 410
    assert "This invitation has expired" in html
    assert "send you a new invitation" in html
    invitation.user.refresh_from_db()
    assert not invitation.user.is_active


def test_a_revoked_link_says_it_was_withdrawn(client, accept_url, invitation):
    invitations.invitation_revoke(invitation=invitation)
    response = client.get(accept_url)
    assert response.status_code == 410
    assert "This invitation has been withdrawn" in response.content.decode()


def test_an_unknown_link_is_not_found_with_a_way_forward(client, db):
    response = client.get(reverse("assessments:accept_invitation", kwargs={"token": "nonsense"}))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


# --- The invite page -----------------------------------------------------------------------


def test_an_officer_invites_a_councillor_into_their_own_council(
    client, officer, council, run_tasks
):
    client.force_login(officer)
    html = client.get(reverse("assessments:invite")).content.decode()
    assert 'name="council"' not in html
    response = _invite(client, full_name="Nia Jones", email="nia@example.org")
    assert response.status_code == 302
    invited = User.objects.get(email="nia@example.org")
    assert invited.council == council
    assert not invited.is_active
    assert invited.invitations.get().invited_by == officer
    assert mail.outbox == []  # queued: the request spoke to no mail server
    run_tasks()
    assert len(mail.outbox) == 1
    # The link in the email is absolute and works.
    link = re.search(re.escape(settings.SITE_URL) + r"/\S+", mail.outbox[0].body).group(0)
    assert Client().get(link).status_code == 200
    assert "testserver" not in mail.outbox[0].body  # the address the request came in on
    html = client.get(response.url).content.decode()
    assert "Invitation made for Nia Jones at nia@example.org. The email is queued" in html
    assert "Email sent" in html
    assert "nia@example.org" in html


def test_an_officer_cannot_invite_into_another_council_by_tampering(
    client, officer, council, other_council
):
    client.force_login(officer)
    _invite(client, full_name="Nia Jones", email="nia@example.org", council=other_council.pk)
    assert User.objects.get(email="nia@example.org").council == council


def test_an_admin_chooses_the_council(client, admin_user, other_council):
    client.force_login(admin_user)
    html = client.get(reverse("assessments:invite")).content.decode()
    assert 'name="council"' in html
    html = _invite(client, full_name="Nia Jones", email="nia@example.org").content.decode()
    assert '<a href="#id_council">Choose the council</a>' in html
    _invite(client, full_name="Nia Jones", email="nia@example.org", council=other_council.pk)
    assert User.objects.get(email="nia@example.org").council == other_council


def test_a_councillor_cannot_invite(client, councillor):
    client.force_login(councillor)
    assert client.get(reverse("assessments:invite")).status_code == 403
    assert _invite(client, full_name="Nia", email="nia@example.org").status_code == 403
    assert not User.objects.filter(email="nia@example.org").exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": "", "email": "nia@example.org"}, "full_name", "Enter the councillor’s full name"),
        ({"full_name": "   ", "email": "nia@example.org"}, "full_name", "Enter the councillor’s full name"),
        ({"full_name": "Nia", "email": "nia-at-example"}, "email", "Enter an email address in the correct format, like name@example.org"),
        ({"full_name": "Nia", "email": ""}, "email", "Enter the councillor’s email address"),
        ({"full_name": "Nia", "email": "alex.councillor@example.org"}, "email", "alex.councillor@example.org already has an account for Northshire County Council."),
        ({"full_name": "Nia", "email": "chris.councillor@example.org"}, "email", "This email address cannot be invited to this council."),
    ],
)  # fmt: skip
def test_bad_input_on_the_invite_form_gets_plain_errors_linked_from_the_summary(
    client, officer, councillor, other_councillor, data, field, message
):
    client.force_login(officer)
    response = _invite(client, **data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="#id_{field}">{message}' in html
    assert f'id="id_{field}"' in html
    assert "<title>Error: " in html
    assert mail.outbox == []
    assert Invitation.objects.count() == 0


def test_html_in_a_name_shows_as_text_on_the_invite_and_set_password_pages(
    client, officer, council, run_tasks
):
    client.force_login(officer)
    _invite(client, full_name="<script>alert(1)</script>", email="x@example.org")
    run_tasks()
    html = client.get(reverse("assessments:invite")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    link = re.search(re.escape(settings.SITE_URL) + r"(/\S+)", mail.outbox[0].body).group(1)
    html = Client().get(link).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_invite_page_lists_only_this_councils_invitations(
    client, invitation, other_officer, other_council
):
    invitations.invitation_create(
        council=other_council, full_name="Rhys Price", email="rhys@example.org", invited_by=None
    )
    client.force_login(other_officer)
    html = client.get(reverse("assessments:invite")).content.decode()
    assert "rhys@example.org" in html
    assert "nia.jones@example.org" not in html


def test_an_officer_resends_and_revokes_from_the_list(client, officer, invitation, run_tasks):
    client.force_login(officer)
    response = client.post(reverse("assessments:resend_invitation", args=[invitation.pk]))
    assert response.url == reverse("assessments:invite")
    run_tasks()
    assert len(mail.outbox) == 2  # the first invitation's, then the new one's
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    newest = Invitation.objects.filter(user=invitation.user).latest("created_at")
    client.post(reverse("assessments:revoke_invitation", args=[newest.pk]))
    newest.refresh_from_db()
    assert newest.revoked_at is not None


def test_the_invite_page_tags_each_invitation_and_offers_revoke_only_while_it_works(
    client, officer, council, invitation
):
    def invited(name: str) -> Invitation:
        return invitations.invitation_create(
            council=council, full_name=name, email=f"{name.lower()}@example.org", invited_by=officer
        )

    invitations.invitation_revoke(invitation=invited("Revoked"))
    Invitation.objects.filter(pk=invited("Expired").pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(officer)

    html = client.get(reverse("assessments:invite")).content.decode()

    assert 'govuk-tag--blue">Sent</strong>' in html  # Nia Jones's invitation, still usable
    assert 'govuk-tag--yellow">Expired</strong>' in html
    assert 'govuk-tag--grey">Revoked</strong>' in html
    revoke_buttons = re.findall(
        r"Revoke<span class=\"govuk-visually-hidden\"> the invitation to (\w+)", html
    )
    assert revoke_buttons == ["Nia"]


def test_the_admins_invitation_list_shows_each_status_by_its_label(admin_client, invitation):
    html = admin_client.get(reverse("admin:assessments_invitation_changelist")).content.decode()

    assert '<td class="field-status">Sent</td>' in html


def test_an_officer_of_another_council_cannot_resend_or_revoke(client, other_officer, invitation):
    client.force_login(other_officer)
    for name in ("assessments:resend_invitation", "assessments:revoke_invitation"):
        assert client.post(reverse(name, args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Email.objects.count() == 1  # the invitation's own


def test_resend_and_revoke_need_a_post(client, officer, invitation):
    client.force_login(officer)
    for name in ("assessments:resend_invitation", "assessments:revoke_invitation"):
        assert client.get(reverse(name, args=[invitation.pk])).status_code == 405


# --- CSRF and the permission table ---------------------------------------------------------


def test_every_invitation_post_is_refused_without_a_csrf_token(officer, invitation, accept_url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    posts = [
        (reverse("assessments:invite"), {"full_name": "Nia", "email": "n2@example.org"}),
        (reverse("assessments:resend_invitation", args=[invitation.pk]), {}),
        (reverse("assessments:revoke_invitation", args=[invitation.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    anonymous = Client(enforce_csrf_checks=True)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert anonymous.post(accept_url, data).status_code == 403
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert invitation.revoked_at is None
    assert not User.objects.filter(email="n2@example.org").exists()
    assert Email.objects.count() == 1  # the invitation's own


PERSONAS = [
    "anonymous",
    "councillor",
    "second_councillor",
    "officer",
    "other_officer",
    "admin_user",
]
# Expected status for each persona: anonymous people go to sign in (302 to the sign-in page);
# officers and admins manage this council's invitations; nobody else may.
INVITE_PAGES = {
    # name: (method, {persona: status})
    "invite": ("get", [302, 403, 403, 200, 200, 200]),
    "resend_invitation": ("post", [302, 403, 403, 302, 404, 302]),
    "revoke_invitation": ("post", [302, 403, 403, 302, 404, 302]),
    "accept_invitation": ("get", [200, 200, 200, 200, 200, 200]),
}


@pytest.mark.parametrize("persona_index", range(len(PERSONAS)), ids=PERSONAS)
@pytest.mark.parametrize("name", INVITE_PAGES)
def test_invitation_pages_permissions(
    request, client, persona_index, name, invitation_and_token, councillor, second_councillor
):
    invitation, token = invitation_and_token
    persona = PERSONAS[persona_index]
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    method, statuses = INVITE_PAGES[name]
    if name == "accept_invitation":
        url = reverse("assessments:accept_invitation", kwargs={"token": token})
    elif name == "invite":
        url = reverse("assessments:invite")
    else:
        url = reverse(f"assessments:{name}", args=[invitation.pk])
    response = getattr(client, method)(url)
    assert response.status_code == statuses[persona_index]
    if persona == "anonymous" and response.status_code == 302:
        assert response.url.startswith(reverse("assessments:sign_in"))


def test_a_task_for_a_deleted_invitation_ends_quietly_with_one_log_line(
    council, officer, run_tasks, caplog
):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    email_id = Email.objects.get().pk
    invitation.delete()  # its email row goes with it

    with caplog.at_level("INFO", logger="assessments.emails"):
        run_tasks()

    assert mail.outbox == []
    assert [r.getMessage() for r in caplog.records if r.name == "assessments.emails"] == [
        f"Email {email_id} not sent by this task: no longer exists"
    ]
    assert all(record.exc_info is None for record in caplog.records)
