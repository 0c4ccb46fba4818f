"""Signing in and out, throttling, password reset and change, and sign-in everywhere."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from assessments.forms.accounts import SignInForm
from assessments.models import Email, User
from tests.builders import PASSWORD, make_user

NEW_PASSWORD = "a brand new garden of lilies"


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(
        reverse("assessments:sign_in"), {"email": email, "password": password}, **extra
    )


# --- Signing in ----------------------------------------------------------------------------


def test_the_sign_in_page_asks_for_an_email_address_and_password(client, db):
    response = client.get(reverse("assessments:sign_in"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<label for="id_email" class="govuk-label">\s*Email address\s*</label>', html)
    assert re.search(r'<label for="id_password" class="govuk-label">\s*Password\s*</label>', html)
    assert 'type="email" name="email"' in html
    assert 'autocomplete="email"' in html
    assert 'type="password" name="password"' in html
    assert 'autocomplete="current-password"' in html
    assert 'autocomplete="off"' not in html
    assert ">Sign in</button>" in html


def test_signing_in_works_and_goes_to_the_dashboard(client, councillor):
    response = sign_in(client, councillor.email)
    assert response.status_code == 302
    assert response.url == reverse("assessments:dashboard")
    assert int(client.session["_auth_user_id"]) == councillor.pk


def test_the_email_address_is_not_case_sensitive(client, councillor):
    response = sign_in(client, councillor.email.upper())
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == councillor.pk


def test_signing_in_follows_a_safe_next_link_but_not_an_outside_one(client, councillor):
    url = reverse("assessments:sign_in")
    target = reverse("assessments:password_change")
    response = client.post(url, {"email": councillor.email, "password": PASSWORD, "next": target})
    assert response.url == target
    client.post(reverse("assessments:sign_out"))
    response = client.post(
        url, {"email": councillor.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == reverse("assessments:dashboard")


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(client, councillor):
    wrong_password = sign_in(client, councillor.email, "not the password at all")
    unknown_email = sign_in(client, "nobody@example.org", "not the password at all")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert SignInForm.INVALID_LOGIN in response.content.decode()
        assert "_auth_user_id" not in client.session
    # Nothing else on the page differs either, apart from the CSRF token.
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert strip(wrong_password).replace(councillor.email, "") == strip(unknown_email).replace(
        "nobody@example.org", ""
    )


def test_the_sign_in_error_is_in_an_error_summary_that_links_to_the_email_box(client, db):
    html = sign_in(client, "nobody@example.org", "whatever").content.decode()
    assert "govuk-error-summary" in html
    assert f'<a href="#id_email">{SignInForm.INVALID_LOGIN}</a>' in html
    assert 'id="id_email"' in html
    assert "<title>Error: Sign in" in html


def test_blank_boxes_get_plain_errors(client, db):
    html = client.post(reverse("assessments:sign_in"), {}).content.decode()
    assert '<a href="#id_email">Enter your email address</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html


def test_email_and_password_boxes_with_errors_get_the_red_error_border(client, db):
    # crispy-forms-gds 2.0.1 leaves these two input types out; our forms add the class.
    html = client.post(reverse("assessments:sign_in"), {}).content.decode()
    for kind in ("email", "password"):
        assert re.search(rf'<input type="{kind}" name="{kind}"[^>]*govuk-input--error', html)


def test_an_invited_account_that_has_not_set_a_password_cannot_sign_in(client, council):
    invited = make_user(email="new@example.org", full_name="New Person", council=council)
    invited.is_active = False
    invited.save()
    response = sign_in(client, invited.email)
    assert response.status_code == 200
    assert SignInForm.INVALID_LOGIN in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_signed_in_person_visiting_sign_in_goes_to_the_dashboard(client, councillor):
    client.force_login(councillor)
    response = client.get(reverse("assessments:sign_in"))
    assert response.status_code == 302
    assert response.url == reverse("assessments:dashboard")


# --- Signing out ---------------------------------------------------------------------------


def test_signing_out_needs_a_post_and_goes_to_the_start_page(client, councillor):
    client.force_login(councillor)
    assert client.get(reverse("assessments:sign_out")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("assessments:sign_out"))
    assert response.status_code == 302
    assert response.url == reverse("assessments:start")
    assert "_auth_user_id" not in client.session


# --- Throttling ----------------------------------------------------------------------------


def test_too_many_failures_for_one_email_lock_it_out_with_a_plain_message(client, councillor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, councillor.email, "wrong password here").status_code == 200
    response = sign_in(client, councillor.email, "wrong password here")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many attempts to sign in" in html
    assert "15 minutes" in html
    # Even the right password is refused while locked out.
    response = sign_in(client, councillor.email)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_across_many_emails_lock_out_the_ip_address(client, councillor):
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, f"guess{n}@example.org", "wrong password here")
    assert response.status_code == 429
    # The IP is locked, so a real account from the same address is refused too.
    assert sign_in(client, councillor.email).status_code == 429
    # Another address is unaffected.
    assert sign_in(client, councillor.email, REMOTE_ADDR="192.0.2.99").status_code == 302


def test_a_lock_out_of_one_email_and_ip_does_not_lock_others_out(
    client, councillor, second_councillor
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, councillor.email, "wrong password here", REMOTE_ADDR="192.0.2.1")
    # Another account from another IP address still works (the paused account itself is
    # tested in test_sign_in_limits).
    assert sign_in(Client(), second_councillor.email, REMOTE_ADDR="192.0.2.2").status_code == 302


def test_a_successful_sign_in_resets_the_count_of_failures(client, councillor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, councillor.email, "wrong password here")
    assert sign_in(client, councillor.email).status_code == 302
    assert not AccessAttempt.objects.filter(username=councillor.email).exists()
    client.post(reverse("assessments:sign_out"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, councillor.email, "wrong password here")
    assert sign_in(client, councillor.email).status_code == 302


# --- Password reset ------------------------------------------------------------------------


def _reset_link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_password_reset_emails_a_link_that_lets_the_person_choose_a_new_password(
    client, councillor, settings, run_tasks
):
    settings.SITE_URL = "https://innovation.example.org"
    response = client.post(reverse("assessments:password_reset"), {"email": councillor.email})
    assert response.url == reverse("assessments:password_reset_done")
    assert mail.outbox == []  # nothing is sent in the request: the email is queued
    email = Email.objects.get()
    assert (email.purpose, email.user, email.state) == (
        Email.Purpose.PASSWORD_RESET,
        councillor,
        Email.State.QUEUED,
    )
    run_tasks()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [councillor.email]
    assert message.subject == f"Reset your password for {settings.SERVICE_NAME}"
    assert message.alternatives[0].mimetype == "text/html"
    # The link starts with SITE_URL, not with the address the request came in on.
    assert _reset_link(message).startswith("https://innovation.example.org/")
    assert 'href="https://innovation.example.org/' in message.alternatives[0].content

    # The link redirects once to a token-free URL, which shows the form.
    response = client.get(_reset_link(message), follow=True)
    assert "Choose a new password" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.url == reverse("assessments:password_reset_complete")
    councillor.refresh_from_db()
    assert councillor.check_password(NEW_PASSWORD)
    # The link works once.
    response = client.get(_reset_link(message), follow=True)
    assert "This link has expired or been used" in response.content.decode()


def test_password_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("assessments:password_reset"), {"email": "nobody@example.org"})
    assert response.url == reverse("assessments:password_reset_done")
    assert not Email.objects.exists()
    html = client.get(response.url).content.decode()
    assert "If the email address you entered has an account" in html


def test_password_reset_sends_nothing_to_an_invited_account_without_a_password(client, council):
    invited = make_user(email="new@example.org", full_name="New Person", council=council)
    invited.set_unusable_password()
    invited.is_active = False
    invited.save()
    response = client.post(reverse("assessments:password_reset"), {"email": invited.email})
    assert response.url == reverse("assessments:password_reset_done")
    assert not Email.objects.exists()


def test_a_new_password_must_follow_the_rules_and_match(client, councillor, run_tasks):
    client.post(reverse("assessments:password_reset"), {"email": councillor.email})
    run_tasks()
    response = client.get(_reset_link(mail.outbox[0]), follow=True)
    form_url = response.redirect_chain[-1][0]
    html = client.post(form_url, {"new_password1": "short", "new_password2": "short"})
    html = html.content.decode()
    assert '<a href="#id_new_password1">This password is too short.' in html
    html = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    ).content.decode()
    assert '<a href="#id_new_password2">The passwords do not match.' in html


# --- Changing a password -------------------------------------------------------------------


def test_a_signed_in_person_can_change_their_password(client, councillor):
    client.force_login(councillor)
    url = reverse("assessments:password_change")
    html = client.get(url).content.decode()
    assert 'autocomplete="current-password"' in html
    assert 'autocomplete="new-password"' in html
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("assessments:password_change_done")
    councillor.refresh_from_db()
    assert councillor.check_password(NEW_PASSWORD)
    # Still signed in: Django keeps the session valid after the change.
    assert client.get(reverse("assessments:password_change_done")).status_code == 200


def test_changing_a_password_needs_the_current_one(client, councillor):
    client.force_login(councillor)
    response = client.post(
        reverse("assessments:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Your current password is not correct" in response.content.decode()
    councillor.refresh_from_db()
    assert councillor.check_password(PASSWORD)


# --- Sign-in everywhere, CSRF and permissions ----------------------------------------------

# Pages anyone may see without signing in, on purpose. Anything else must send them to sign in.
PUBLIC_URL_NAMES = {
    "assessments:start",
    "assessments:accessibility",
    "assessments:privacy",
    "assessments:blank_checklist",
    "assessments:blank_checklist_pdf",
    "assessments:sign_in",
    "assessments:sso_start",
    "assessments:sso_callback",
    "assessments:password_reset",
    "assessments:password_reset_done",
    "assessments:password_reset_confirm",
    "assessments:password_reset_complete",
    "assessments:accept_invitation",
    "assessments:sign_in_link",
    "assessments:sign_in_link_sent",
    "assessments:sign_in_link_use",
    "operations:healthz",
}


def _named_urls(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin":
                continue  # the admin has its own sign-in page
            yield from _named_urls(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def _example_url(name, pattern):
    examples = {IntConverter: 1, UUIDConverter: "00000000-0000-0000-0000-000000000000"}
    kwargs = {
        key: examples.get(type(converter), "x")
        for key, converter in pattern.pattern.converters.items()
    }
    return reverse(name, kwargs=kwargs)


def test_every_page_but_the_public_ones_sends_anonymous_visitors_to_sign_in(client, db):
    sign_in_url = reverse("assessments:sign_in")
    checked = set()
    for name, pattern in _named_urls():
        url = _example_url(name, pattern)
        response = client.get(url)
        if name in PUBLIC_URL_NAMES:
            assert response.status_code != 302 or not response.url.startswith(sign_in_url), name
        else:
            assert response.status_code == 302, name
            assert response.url.startswith(f"{sign_in_url}?next="), name
        checked.add(name)
    assert checked >= PUBLIC_URL_NAMES


CSRF_POSTS = [
    ("assessments:sign_in", {}, {"email": "alex.councillor@example.org", "password": PASSWORD}),
    ("assessments:sign_out", {}, {}),
    ("assessments:password_reset", {}, {"email": "alex.councillor@example.org"}),
    (
        "assessments:password_change",
        {},
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "data"), CSRF_POSTS)
def test_every_account_form_refuses_a_post_without_a_csrf_token(name, kwargs, data, councillor):
    client = Client(enforce_csrf_checks=True)
    if name in {"assessments:sign_out", "assessments:password_change"}:
        client.force_login(councillor)
    response = client.post(reverse(name, kwargs=kwargs), data)
    assert response.status_code == 403
    councillor.refresh_from_db()
    assert councillor.check_password(PASSWORD)
    assert not Email.objects.exists()


def test_the_password_reset_confirm_form_refuses_a_post_without_a_csrf_token(councillor, run_tasks):
    client = Client(enforce_csrf_checks=True)
    Client().post(reverse("assessments:password_reset"), {"email": councillor.email})
    run_tasks()
    response = client.get(_reset_link(mail.outbox[0]), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 403
    councillor.refresh_from_db()
    assert councillor.check_password(PASSWORD)


# Each account page, as (url name, method, expected status for a signed-in person).
# Every persona signs in to the same pages on the same terms: the pages concern only themselves.
ACCOUNT_PAGES = [
    ("assessments:sign_in", "get", 302),  # a signed-in person goes on to the dashboard
    ("assessments:sign_out", "get", 405),
    ("assessments:sign_out", "post", 302),
    ("assessments:password_reset", "get", 200),
    ("assessments:password_reset_done", "get", 200),
    ("assessments:password_reset_complete", "get", 200),
    ("assessments:password_change", "get", 200),
    ("assessments:password_change_done", "get", 200),
]
ANONYMOUS_STATUS = {
    "assessments:sign_in": 200,
    "assessments:password_reset": 200,
    "assessments:password_reset_done": 200,
    "assessments:password_reset_complete": 200,
}
PERSONAS = [None, "councillor", "second_councillor", "officer", "admin_user"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "method", "signed_in_status"), ACCOUNT_PAGES)
def test_account_pages_permissions(request, client, persona, name, method, signed_in_status):
    url = reverse(name)
    if persona is None:
        response = getattr(client, method)(url)
        expected = ANONYMOUS_STATUS.get(name)
        if expected is None:
            assert response.status_code == 302
            assert response.url.startswith(reverse("assessments:sign_in"))
        else:
            assert response.status_code == expected
        return
    client.force_login(request.getfixturevalue(persona))
    response = getattr(client, method)(url)
    assert response.status_code == signed_in_status


# --- Django admin --------------------------------------------------------------------------


def test_an_admin_can_create_a_councillor_in_django_admin(client, admin_user, council):
    client.force_login(admin_user)
    assert client.get(reverse("admin:assessments_user_changelist")).status_code == 200
    response = client.post(
        reverse("admin:assessments_user_add"),
        {
            "email": "Dee.New@Example.org",
            "full_name": "Dee New",
            "council": council.pk,
            "role": "councillor",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(email="dee.new@example.org")
    assert created.council == council
    assert created.is_active
    assert created.check_password(NEW_PASSWORD)


def test_the_invitation_admin_is_read_only_and_never_shows_the_token_hash(
    client, admin_user, council
):
    from assessments.invitations import invitation_create

    invitation = invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=admin_user
    )
    client.force_login(admin_user)
    for url in (
        reverse("admin:assessments_invitation_changelist"),
        reverse("admin:assessments_invitation_change", args=[invitation.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert invitation.token_hash not in response.content.decode()
    assert client.get(reverse("admin:assessments_invitation_add")).status_code == 403


@pytest.mark.parametrize(
    ("url_name", "args", "persona"),
    [
        ("sign_in", [], None),
        ("password_reset", [], None),
        ("password_change", [], "councillor"),
        ("invite", [], "officer"),
        ("bulk_invite", ["northshire"], "officer"),
        ("delete_account", [], "councillor"),
    ],
)
def test_forms_leave_validation_to_the_server_so_errors_reach_the_error_summary(
    client, checklist, request, url_name, args, persona
):
    if persona:
        client.force_login(request.getfixturevalue(persona))

    html = client.get(reverse(f"assessments:{url_name}", args=args)).content.decode()

    main = html[html.index('id="main-content"') :]
    form_tag = re.search(r"<form\b[^>]*>", main).group(0)
    assert "novalidate" in form_tag


def test_a_password_reset_for_an_account_switched_off_before_the_email_went_is_cancelled(
    client, councillor, run_tasks
):
    client.post(reverse("assessments:password_reset"), {"email": councillor.email})
    councillor.is_active = False
    councillor.save()

    run_tasks()

    assert Email.objects.get().state == Email.State.CANCELLED
    assert mail.outbox == []


def test_asking_twice_for_a_reset_sends_two_emails(client, councillor, run_tasks):
    for _ in range(2):
        client.post(reverse("assessments:password_reset"), {"email": councillor.email})

    run_tasks()

    assert len(mail.outbox) == 2
