"""
The language switch, Welsh addresses and the remembered language (#15).

English pages keep their addresses; Welsh ones are the same under /cy/. Every page's header
links to the same page in the other language; a signed-in person's language is the language
of the pages they use; a browser that prefers Welsh starts in Welsh.
"""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import translation

from assessments import invitations
from assessments.models import CouncillorGroup, User
from tests.answering_helpers import area_url
from tests.email_helpers import send_invitation

SWITCH = re.compile(
    r'<a class="govuk-service-navigation__link" href="([^"]*)" lang="(\w+)" '
    r'hreflang="(\w+)" rel="alternate">(\w+)</a>'
)


def switch(html: str) -> tuple[str, str, str, str]:
    """The language switch's (href, lang, hreflang, label); there is exactly one."""
    found = SWITCH.findall(html)
    assert len(found) == 1, found
    return found[0]


def welsh(url: str) -> str:
    return "/cy" + url


def document_lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found is not None
    return found.group(1)


# --- Addresses -----------------------------------------------------------------------------


def test_english_addresses_are_unchanged_and_welsh_ones_are_under_cy():
    assert reverse("assessments:start") == "/"
    assert reverse("assessments:area", args=[3, "people"]) == "/assessments/3/areas/people/"
    with translation.override("cy"):
        assert reverse("assessments:start") == "/cy/"
        assert reverse("assessments:area", args=[3, "people"]) == (
            "/cy/assessments/3/areas/people/"
        )


def test_welsh_pages_resolve_and_say_they_are_welsh(client, db):
    english = client.get("/")
    welsh_page = client.get("/cy/")
    assert (english.status_code, welsh_page.status_code) == (200, 200)
    assert document_lang(english.content.decode()) == "en-GB"
    assert document_lang(welsh_page.content.decode()) == "cy"
    assert welsh_page["Content-Language"] == "cy"


def test_the_admin_and_the_health_check_have_no_welsh_address(client, admin_user):
    with translation.override("cy"):
        assert reverse("operations:healthz") == "/healthz"
        assert reverse("admin:index") == "/admin/"
    assert client.get("/healthz").status_code == 200
    assert client.get("/cy/healthz").status_code == 404
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/cy/admin/").status_code == 404


# --- The switch ----------------------------------------------------------------------------


def test_an_english_page_links_to_the_same_page_in_welsh_with_its_query(client, db):
    href, lang, hreflang, label = switch(client.get("/sign-in/?next=/dashboard/").content.decode())
    assert (href, lang, hreflang, label) == ("/cy/sign-in/?next=/dashboard/", "cy", "cy", "Cymraeg")


def test_a_welsh_page_links_to_the_same_page_in_english(client, db):
    href, lang, hreflang, label = switch(client.get("/cy/accessibility/").content.decode())
    assert (href, lang, hreflang, label) == ("/accessibility/", "en", "en", "English")


def test_the_switch_keeps_a_pages_arguments(signed_in, draft):
    url = area_url(draft, draft.checklist.areas.first().code)
    href, _lang, _hreflang, label = switch(signed_in.get(url + "?from=check").content.decode())
    assert (href, label) == (welsh(url) + "?from=check", "Cymraeg")
    href, _lang, _hreflang, label = switch(signed_in.get(welsh(url)).content.decode())
    assert (href, label) == (url, "English")


def test_an_officer_has_the_switch_on_a_groups_pages(client, officer, checklist, council):
    group = CouncillorGroup.objects.create(
        council=council, name="Cabinet", checklist=checklist, facilitator=officer
    )
    client.force_login(officer)
    for name in ("group_detail", "group_report", "group_members"):
        url = reverse(f"assessments:{name}", args=[group.pk])
        assert switch(client.get(url).content.decode())[0] == welsh(url)


def test_a_page_not_found_links_to_the_start_page_never_to_the_address_asked_for(client, db):
    response = client.get("/cy/no-such-page/%3Cscript%3E/?q=%3Cb%3E")
    html = response.content.decode()
    assert response.status_code == 404
    assert switch(html) == ("/", "en", "en", "English")
    assert "no-such-page" not in html
    assert document_lang(html) == "cy"
    html = client.get("/no-such-page/").content.decode()
    assert switch(html) == ("/cy/", "cy", "cy", "Cymraeg")


def test_a_refused_page_links_to_the_start_page_in_the_other_language(signed_in, officer):
    url = reverse("assessments:invite")  # officers only
    response = signed_in.get(welsh(url))
    assert response.status_code == 403
    assert switch(response.content.decode())[0] == "/"


@pytest.mark.parametrize("template", ["400.html", "500.html"])
def test_the_standalone_error_pages_link_to_the_other_languages_start_page(template):
    with translation.override("cy"):
        html = render_to_string(template)
    assert switch(html) == ("/", "en", "en", "English")
    assert document_lang(html) == "cy"
    assert 'class="govuk-generic-header__homepage-link"' in html
    assert '<a href="/cy/" class="govuk-generic-header__homepage-link">' in html
    html = render_to_string(template)
    assert '<a href="/" class="govuk-generic-header__homepage-link">' in html
    assert switch(html) == ("/cy/", "cy", "cy", "Cymraeg")
    assert document_lang(html) == "en-GB"


def test_the_welsh_400_page_sends_you_back_to_the_welsh_start_page():
    with translation.override("cy"):
        html = render_to_string("400.html")
    assert '<a class="govuk-link" href="/cy/">ewch i’r dudalen gychwyn</a>' in html
    assert "<title>Mae’n ddrwg gennym" in html


# --- Remembered ----------------------------------------------------------------------------


def test_a_signed_in_persons_language_is_the_language_of_the_pages_they_use(signed_in, councillor):
    url = reverse("assessments:dashboard")
    signed_in.get(welsh(url))
    councillor.refresh_from_db()
    assert councillor.language == "cy"
    signed_in.get(url)
    councillor.refresh_from_db()
    assert councillor.language == "en-gb"


def test_the_language_is_written_only_when_it_changes(signed_in, councillor):
    url = welsh(reverse("assessments:dashboard"))
    signed_in.get(url)
    with CaptureQueriesContext(connection) as queries:
        signed_in.get(url)
    assert not [q for q in queries if q["sql"].startswith("UPDATE")], queries.captured_queries


def test_the_admin_and_unknown_addresses_leave_the_language_alone(client, admin_user):
    User.objects.filter(pk=admin_user.pk).update(language="cy")
    client.force_login(admin_user)
    client.get("/admin/")
    client.get("/no-such-page/")
    client.get("/healthz")
    admin_user.refresh_from_db()
    assert admin_user.language == "cy"


def test_signing_in_on_a_welsh_page_records_welsh(client, councillor):
    User.objects.filter(pk=councillor.pk).update(language="")
    response = client.post(
        welsh(reverse("assessments:sign_in")),
        {"email": councillor.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    councillor.refresh_from_db()
    assert councillor.language == "cy"


# --- A Welsh browser, and the language cookie ----------------------------------------------


def test_a_first_visit_from_a_welsh_browser_goes_to_the_welsh_start_page(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="cy-GB,cy;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/cy/"
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


def test_an_english_browser_stays_on_the_english_start_page(client, db):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").status_code == 200
    assert client.get("/").status_code == 200


def test_choosing_english_sticks_for_a_welsh_browser(client, db):
    browser = {"HTTP_ACCEPT_LANGUAGE": "cy"}
    response = client.get("/cy/", **browser)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"
    response = client.get("/", **browser)  # the switch to English
    assert response.status_code == 200
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en-gb"
    assert client.get("/", **browser).status_code == 200


def test_the_language_cookie_is_httponly_and_follows_the_session_cookies_security(
    client, db, settings
):
    cookie = client.get("/cy/").cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert settings.LANGUAGE_COOKIE_SECURE == settings.SESSION_COOKIE_SECURE


def test_accepting_an_invitation_on_a_welsh_page_records_welsh(client, council, officer):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    token = send_invitation(invitation)
    url = welsh(reverse("assessments:accept_invitation", kwargs={"token": token}))
    password = "a long enough new password"
    response = client.post(url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    invitation.user.refresh_from_db()
    assert invitation.user.language == "cy"


def assessments_urls():
    """Every page of the service with example arguments, as (English, Welsh) addresses."""
    _prefix, resolver = get_resolver().namespace_dict["assessments"]
    examples = {IntConverter: 1}
    for pattern in resolver.url_patterns:
        kwargs = {
            key: examples.get(type(converter), "x")
            for key, converter in pattern.pattern.converters.items()
        }
        english = reverse(f"assessments:{pattern.name}", kwargs=kwargs)
        with translation.override("cy"):
            yield english, reverse(f"assessments:{pattern.name}", kwargs=kwargs)


def test_every_welsh_page_stays_welsh_for_a_visitor_and_links_to_its_english_page(client, db):
    sign_in = welsh(reverse("assessments:sign_in"))
    checked = 0
    for english, welsh_url in assessments_urls():
        assert welsh_url == welsh(english)
        response = client.get(welsh_url)
        if response.status_code == 302:
            assert response["Location"].startswith(("/cy/", sign_in)), welsh_url
        elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert switch(response.content.decode())[0] == english, welsh_url
            checked += 1
    assert checked >= 8  # the public pages


def test_a_welsh_page_costs_the_same_queries_as_its_english_page(
    signed_in, councillor, django_assert_num_queries
):
    url = reverse("assessments:dashboard")
    User.objects.filter(pk=councillor.pk).update(language="cy")
    # session, user, assessments, groups: as in English (test_dashboard), nothing written
    with django_assert_num_queries(4):
        signed_in.get(welsh(url))
    User.objects.filter(pk=councillor.pk).update(language="en-gb")
    with django_assert_num_queries(4):
        signed_in.get(url)
