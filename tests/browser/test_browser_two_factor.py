"""Two-factor in a real browser: an officer sets up an authenticator app from the key the page
shows (the code worked out from it as an app would), is given recovery codes, and signs in
again with a code; axe-core finds nothing on the set-up, recovery-codes and code pages."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import Page

from tests.browser.helpers import axe_check, heading, sign_in
from tests.builders import PASSWORD

pytestmark = pytest.mark.browser


def code_from_key(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed into it."""
    totp = TOTP(base64.b32decode(key.replace(" ", "")))
    totp.time = totp.time + 30 * steps_ahead
    return f"{totp.token():06d}"


def _continue(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_an_officer_sets_up_two_factor_and_signs_in_with_a_code(page: Page, officer, checklist):
    sign_in(page, officer.email)
    page.goto(reverse("assessments:your_data"))
    with page.expect_navigation():
        page.get_by_role("link", name="Set up two-factor").click()
    assert heading(page) == "Set up two-factor"
    assert page.locator("svg").count() >= 1
    axe_check(page)
    key = page.get_by_test_id("secret").inner_text()

    # A wrong code first: the GOV.UK error summary, and nothing set up.
    page.get_by_label("Code", exact=True).fill("12")
    _continue(page, "Confirm")
    assert "There is a problem" in page.content()
    axe_check(page)

    page.wait_for_timeout(1100)  # django-otp's pause after a wrong code
    page.get_by_label("Code", exact=True).fill(code_from_key(key))
    _continue(page, "Confirm")
    assert heading(page) == "Recovery codes"
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    axe_check(page)

    _continue(page, "Sign out")
    page.goto(reverse("assessments:sign_in"))
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _continue(page, "Sign in")
    assert heading(page) == "Enter your code"
    axe_check(page)
    page.get_by_label("Code", exact=True).fill(code_from_key(key, steps_ahead=1))
    _continue(page, "Continue")
    assert page.get_by_role("button", name="Sign out").count() == 1
    assert re.search(r"/dashboard/$", page.url)


def test_an_admin_signs_in_with_a_code_and_reaches_admin(page: Page, admin_user, checklist):
    sign_in(page, admin_user.email)  # gives the code the helper works out
    page.goto(reverse("admin:index"))
    assert page.url.endswith(reverse("admin:index"))
    assert page.get_by_role("link", name="Councils", exact=True).count() >= 1


def test_two_factor_works_by_keyboard_without_javascript(no_js_page: Page, officer, checklist):
    page = no_js_page
    sign_in(page, officer.email)
    page.goto(reverse("assessments:two_factor_setup"))
    key = page.get_by_test_id("secret").inner_text()
    page.get_by_label("Code", exact=True).fill(code_from_key(key))
    with page.expect_navigation():
        page.get_by_label("Code", exact=True).press("Enter")
    assert heading(page) == "Recovery codes"
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()

    _continue(page, "Sign out")
    page.goto(reverse("assessments:sign_in"))
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _continue(page, "Sign in")
    # No phone: a recovery code instead.
    page.get_by_label("Code", exact=True).fill(codes[0])
    with page.expect_navigation():
        page.get_by_label("Code", exact=True).press("Enter")
    assert page.get_by_role("button", name="Sign out").count() == 1
