"""A councillor signs in with an emailed link, in a browser: each page passes axe, fits 320 px,
and works from the keyboard and without JavaScript."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Page

from tests.browser.helpers import axe_check, horizontal_overflow


def checked(page: Page) -> None:
    axe_check(page)
    assert horizontal_overflow(page) == 0, page.url


def emailed_path() -> str:
    """The path of the link in the last email (its host is SITE_URL, not the live server)."""
    link = re.search(r"https?://\S+/sign-in/email-link/[\w-]+/", mail.outbox[-1].body).group(0)
    return urlsplit(link).path


def ask_for_a_link(page: Page, email: str) -> None:
    page.goto(reverse("assessments:sign_in"))
    page.get_by_role("link", name="Email me a sign-in link").click()
    page.get_by_label("Email address").fill(email)
    # The keyboard: Enter in the box sends the form.
    with page.expect_navigation():
        page.get_by_label("Email address").press("Enter")
    assert page.get_by_role("heading", name="Check your email").count() == 1


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 320, "height": 640}]
)
def test_a_councillor_signs_in_with_an_emailed_link(
    browser, live_server, councillor, run_tasks, viewport
):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()

    page.goto(reverse("assessments:sign_in_link"))
    checked(page)
    page.get_by_role("button", name="Email me a sign-in link").click()  # nothing typed
    assert page.locator(".govuk-error-summary").count() == 1
    checked(page)

    ask_for_a_link(page, councillor.email)
    checked(page)
    run_tasks()
    assert mail.outbox[-1].to == [councillor.email]

    page.goto(emailed_path())
    checked(page)
    page.get_by_role("button", name="Sign in").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Sign out").count() == 1
    assert urlsplit(page.url).path == reverse("assessments:dashboard")

    # The second click, in a signed-out browser, says the link was used.
    context.clear_cookies()
    page.goto(emailed_path())
    assert page.get_by_role("heading", name="This sign-in link has already been used").count()
    checked(page)
    context.close()


def test_an_officer_sees_the_same_check_your_email_page_and_gets_no_email(page, officer, run_tasks):
    ask_for_a_link(page, officer.email)
    checked(page)
    run_tasks()
    assert mail.outbox == []


def test_the_link_flow_works_without_javascript(no_js_page, councillor, run_tasks):
    page = no_js_page
    ask_for_a_link(page, councillor.email)
    run_tasks()
    page.goto(emailed_path())
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("button", name="Sign out").count() == 1
