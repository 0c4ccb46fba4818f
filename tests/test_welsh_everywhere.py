"""
Every page, for every role that sees it, in Welsh: no text a person reads is left in English.

Each page is rendered twice, in English and in Welsh (through `welsh_get` and `welsh_post` in
tests/welsh_helpers.py, the one place that says how a Welsh page is asked for), and every visible text node of the Welsh page (and every title,
aria-label, placeholder and alt attribute) that is also a text node of the English page is
English left over, unless it is on the short allow-list of proper names:

- the names of councils, people and groups, email addresses and the number-only texts;
- "Cymraeg" and "English" (each language names itself);
- "PDF", "CSV", "GOV.UK" and "AbilityNet" (names), and "Beta" (the phase banner) and "Agenda",
  which are the same words in Welsh.

The service's name is translated ("Camau Allweddol ar gyfer Arloesi"), so it is not allowed.

Content (areas, key actions, quotes, answer options and the version's texts) is checked like
every other text: the fixtures carry its Welsh, so English content on a Welsh page is a fault.
"""

import datetime
import html
import io
import re
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from assessments import exports, group_reports, invitations, reports
from assessments.models import (
    ActionStep,
    Answer,
    Assessment,
    Council,
    CouncillorGroup,
    CouncilSignIn,
    StepReview,
    User,
)
from tests.builders import MIXED_ANSWERS, PASSWORD, add_step, submit
from tests.email_helpers import make_sign_in_link, send_invitation
from tests.group_helpers import build_group
from tests.welsh_helpers import english_get, english_post, welsh, welsh_get, welsh_post

LAST_YEAR = timezone.now() - datetime.timedelta(days=365)

ALWAYS_ALLOWED = {
    "Cymraeg",
    "English",
    "PDF",
    "CSV",
    "GOV.UK",
    "AbilityNet",
    "Beta",
    "Agenda",
    "agenda",
}

ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


class _TextNodes(HTMLParser):
    """The visible text nodes and the read-out attributes of a page, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: set[str] = set()
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self._add(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self._add(data)

    def _add(self, text: str) -> None:
        text = " ".join(text.split())
        if re.search(r"[A-Za-z]{2}", text):
            self.texts.add(text)


def text_nodes(page: str) -> set[str]:
    parser = _TextNodes()
    parser.feed(page)
    return parser.texts


def proper_names() -> set[str]:
    names = set(ALWAYS_ALLOWED)
    names |= set(Council.objects.values_list("name", flat=True))
    names |= set(CouncillorGroup.objects.values_list("name", flat=True))
    for full_name, email in User.objects.values_list("full_name", "email"):
        names |= {full_name, email}
    # People's own words: their next steps, notes and groups' descriptions.
    for step in ActionStep.objects.all():
        names |= {step.what, step.lead, step.reported_to}
    names |= set(Answer.objects.exclude(note="").values_list("note", flat=True))
    names |= set(CouncillorGroup.objects.values_list("description", flat=True))
    return {name for name in names if name}


def english_left(english_page: str, welsh_page: str) -> list[str]:
    names = proper_names()
    left = []
    for text in text_nodes(welsh_page) & text_nodes(english_page):
        bare = text
        for name in sorted(names, key=len, reverse=True):
            bare = bare.replace(name, "")
        if not re.search(r"[A-Za-z]{2}", bare):
            continue
        left.append(text)
    return sorted(left)


def assert_all_welsh(client, url: str, status: int = 200, method: str = "get", data=None):
    if method == "post":
        english = english_post(client, url, data)
        response = welsh_post(client, url, data)
    else:
        english = english_get(client, url)
        response = welsh_get(client, url)
    assert english.status_code == status, url
    assert response.status_code == status, url
    welsh_page = response.content.decode()
    english_page = english.content.decode()
    assert english_left(english_page, welsh_page) == [], url
    return welsh_page


# The checker itself.


def test_the_checker_finds_english_left_in_a_welsh_page(db):
    english = (
        "<html><head><title>Sign in</title></head><body><p>Save and continue</p></body></html>"
    )
    welsh_page = (
        "<html><head><title>Mewngofnodi</title></head><body><p>Save and continue</p></body></html>"
    )
    assert text_nodes(english) == {"Sign in", "Save and continue"}
    assert english_left(english, welsh_page) == ["Save and continue"]


def test_the_checker_reads_attributes_and_skips_scripts(db):
    english = '<a aria-label="Open menu" title="Menu">x</a><script>var a = "Open it"</script>'
    welsh_page = (
        '<a aria-label="Open menu" title="Dewislen">x</a><script>var a = "Open it"</script>'
    )
    assert english_left(english, welsh_page) == ["Open menu"]


def test_the_checker_allows_proper_names_but_not_english_content(checklist, council):
    area = checklist.areas.first()
    page = f"<p>{council.name}</p><p>Cymraeg</p><p>{area.title_en_gb}</p>"
    assert english_left(page, page) == [area.title_en_gb]


# Anonymous pages.


@pytest.mark.parametrize(
    "name",
    [
        "start",
        "sign_in",
        "sso_start",
        "password_reset",
        "password_reset_done",
        "password_reset_complete",
        "sign_in_link",
        "sign_in_link_sent",
        "accessibility",
        "privacy",
        "blank_checklist",
    ],
)
def test_public_pages_are_all_welsh(client, checklist, name):
    assert_all_welsh(client, reverse(f"assessments:{name}"))


def test_the_not_found_page_is_all_welsh(client, checklist):
    assert_all_welsh(client, "/no-such-page/", status=404)


def test_sign_in_with_errors_is_all_welsh(client, checklist):
    page = assert_all_welsh(
        client, reverse("assessments:sign_in"), method="post", data={"username": "", "password": ""}
    )
    assert "Mae problem" in html.unescape(page)


def test_council_sign_in_with_errors_is_all_welsh(client, checklist):
    page = assert_all_welsh(
        client, reverse("assessments:sso_start"), method="post", data={"email": "a@b.example"}
    )
    assert "Mae problem" in html.unescape(page)


def test_a_refused_council_sign_in_is_all_welsh(client, checklist):
    assert_all_welsh(client, reverse("assessments:sso_callback") + "?state=x", status=403)


def test_a_council_sign_in_that_is_down_is_all_welsh(client, checklist, council):
    # Nothing listens on port 9 (discard) of this machine: the provider is down.
    CouncilSignIn.objects.create(
        council=council,
        enabled=True,
        issuer="http://localhost:9",
        client_id="client",
        allowed_email_domains="example.org",
    )
    assert_all_welsh(
        client,
        reverse("assessments:sso_start"),
        status=503,
        method="post",
        data={"email": "someone@example.org"},
    )


# A councillor.


def a_gap(assessment) -> str:
    return (
        assessment.answers.filter(option__code__in=["partly", "not-yet"])
        .values_list("question__code", flat=True)
        .first()
    )


@pytest.fixture
def councillor_client(client, councillor):
    client.force_login(councillor)
    return client


def test_a_councillors_pages_are_all_welsh(councillor_client, draft):
    area = draft.checklist.areas.order_by("order").first()
    for url in [
        reverse("assessments:start"),
        reverse("assessments:dashboard"),
        reverse("assessments:assessment_detail", args=[draft.pk]),
        reverse("assessments:area", args=[draft.pk, area.code]),
        reverse("assessments:check_answers", args=[draft.pk]),
        reverse("assessments:email_reminders"),
        reverse("assessments:your_data"),
        reverse("assessments:delete_account"),
        reverse("assessments:password_change"),
    ]:
        assert_all_welsh(councillor_client, url)


def test_an_area_with_errors_is_all_welsh(councillor_client, draft):
    area = draft.checklist.areas.order_by("order").first()
    page = assert_all_welsh(
        councillor_client,
        reverse("assessments:area", args=[draft.pk, area.code]),
        method="post",
        data={"action": "continue"},
    )
    assert "Mae problem" in html.unescape(page)


def test_the_report_and_a_next_step_are_all_welsh(councillor_client, submitted):
    gap = a_gap(submitted)
    add_step(submitted, gap, what="Hold a workshop", lead="Leader", is_focus=True)
    for url in [
        reverse("assessments:confirmation", args=[submitted.pk]),
        reverse("assessments:report", args=[submitted.pk]),
        reverse("assessments:action_step", args=[submitted.pk, gap]),
        reverse("assessments:action_step_delete", args=[submitted.pk, gap]),
    ]:
        assert_all_welsh(councillor_client, url)


def test_a_next_step_with_errors_is_all_welsh(councillor_client, submitted):
    gap = a_gap(submitted)
    page = assert_all_welsh(
        councillor_client,
        reverse("assessments:action_step", args=[submitted.pk, gap]),
        method="post",
        data={"what": "", "due_date_0": "40", "due_date_1": "", "due_date_2": ""},
    )
    page = html.unescape(page)
    assert "Gwall:" in page
    assert "Mae problem" in page


def test_a_report_with_progress_on_the_last_plan_is_all_welsh(client, checklist, councillor):
    earlier = submit(councillor, checklist, MIXED_ANSWERS, submitted_at=LAST_YEAR)
    step = add_step(earlier, "devote-resources", what="Ask for a budget line", lead="Cabinet")
    done = add_step(earlier, "select-priority-areas", what="Pick three")
    later = submit(councillor, checklist, MIXED_ANSWERS)
    StepReview.objects.create(assessment=later, step=step, outcome=StepReview.Outcome.NOT_DONE)
    StepReview.objects.create(assessment=later, step=done, outcome=StepReview.Outcome.DONE)
    client.force_login(councillor)
    assert_all_welsh(client, reverse("assessments:report", args=[later.pk]))


def test_reviewing_the_last_plan_is_all_welsh(client, checklist, councillor):
    earlier = submit(councillor, checklist, MIXED_ANSWERS, submitted_at=LAST_YEAR)
    add_step(earlier, "devote-resources", what="Ask for a budget line")
    client.force_login(councillor)
    start = reverse("assessments:assessment_start")
    assert_all_welsh(client, start)
    assert_all_welsh(client, start, method="post", data={})
    welsh_post(client, start, {"start_from": "previous"})
    draft = Assessment.objects.get(owner=councillor, status=Assessment.Status.DRAFT)
    url = reverse("assessments:last_plan", args=[draft.pk])
    assert_all_welsh(client, url)
    assert_all_welsh(client, url, method="post", data={"action": "continue"})


def test_accepting_an_invitation_is_all_welsh(client, council, officer, checklist):
    invitation = invitations.invitation_create(
        council=council, full_name="Nia Jones", email="nia@example.org", invited_by=officer
    )
    token = send_invitation(invitation)
    url = reverse("assessments:accept_invitation", args=[token])
    assert_all_welsh(client, url)
    assert_all_welsh(client, url, method="post", data={"password1": "a", "password2": "b"})


def test_the_sign_in_link_pages_are_all_welsh(client, checklist, councillor, settings):
    settings.RATE_LIMIT_SIGN_IN_LINK_PER_ADDRESS = "2/h"  # the first two posts use it up
    ask = reverse("assessments:sign_in_link")
    page = assert_all_welsh(client, ask, method="post", data={"email": "not an email"})
    assert "Mae problem" in html.unescape(page)
    assert_all_welsh(client, ask, method="post", data={"email": "x@example.org"}, status=429)
    token = make_sign_in_link(councillor)
    url = reverse("assessments:sign_in_link_use", args=[token])
    assert_all_welsh(client, url)
    client.post(url)
    client.logout()
    assert_all_welsh(client, url, status=410)  # used
    assert_all_welsh(client, reverse("assessments:sign_in_link_use", args=["x"]), status=404)


# An officer and the group's pages.


def test_an_officers_pages_are_all_welsh(client, checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer)
    client.force_login(officer)
    pk = setup.group.pk
    for url in [
        reverse("assessments:dashboard"),
        reverse("assessments:council_dashboard", args=[council.slug]),
        reverse("assessments:bulk_invite", args=[council.slug]),
        reverse("assessments:invite"),
        reverse("assessments:group_list"),
        reverse("assessments:group_create"),
        reverse("assessments:group_detail", args=[pk]),
        reverse("assessments:group_edit", args=[pk]),
        reverse("assessments:group_members", args=[pk]),
        reverse("assessments:group_report", args=[pk]),
        reverse("assessments:group_projector", args=[pk]),
        reverse("assessments:group_projector_screen", args=[pk, 1]),
    ]:
        assert_all_welsh(client, url)


def test_an_officers_forms_with_errors_are_all_welsh(client, checklist, council, officer):
    client.force_login(officer)
    for url, data in [
        (reverse("assessments:invite"), {"full_name": "", "email": "not an address"}),
        (reverse("assessments:bulk_invite", args=[council.slug]), {"people": "No comma here"}),
        (reverse("assessments:group_create"), {"name": ""}),
    ]:
        assert_all_welsh(client, url, method="post", data=data)


def test_a_shared_report_is_all_welsh_for_the_officer(
    client, checklist, council, councillor, officer
):
    shared = submit(councillor, checklist, MIXED_ANSWERS, shared=True)
    client.force_login(officer)
    assert_all_welsh(client, reverse("assessments:shared_report", args=[council.slug, shared.pk]))


def test_the_council_progress_csv_headings_are_welsh(client, council, officer, councillor):
    client.force_login(officer)
    response = welsh_get(client, reverse("assessments:council_progress_csv", args=[council.slug]))
    heading = response.content.decode("utf-8-sig").splitlines()[0]
    assert "Enw" in heading
    assert "Name" not in heading


def test_a_group_members_pages_are_all_welsh(client, checklist, council):
    setup = build_group(council, checklist)
    client.force_login(setup.members[0])
    for url in [
        reverse("assessments:dashboard"),
        reverse("assessments:group_list"),
        reverse("assessments:group_report", args=[setup.group.pk]),
    ]:
        assert_all_welsh(client, url)


def test_the_papers_html_is_all_welsh(checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer)
    today = datetime.date(2027, 3, 1)
    for render in (exports.meeting_pack_html, exports.agreed_plan_html):
        with translation.override("en-gb"):
            english = render(group_reports.build_group_report(setup.group), today=today)
        with welsh():
            welsh_page = render(group_reports.build_group_report(setup.group), today=today)
        assert english_left(english, welsh_page) == [], render.__name__


def test_the_pdfs_html_is_all_welsh(checklist, council, councillor, officer):
    """The HTML each PDF is printed from: the report (the councillor's and the officers' copy)
    and the group's report."""
    assessment = submit(councillor, checklist, MIXED_ANSWERS)
    setup = build_group(council, checklist, facilitator=officer)
    pages = [
        (
            exports.REPORT_TEMPLATE,
            {"officer_reading": False},
            lambda: reports.build_report(assessment),
        ),
        (
            exports.REPORT_TEMPLATE,
            {"officer_reading": True},
            lambda: reports.build_report(assessment),
        ),
        (
            exports.GROUP_REPORT_TEMPLATE,
            {"today": datetime.date(2027, 3, 1)},
            lambda: group_reports.build_group_report(setup.group),
        ),
    ]
    for template, context, build in pages:
        with translation.override("en-gb"):
            english = render_to_string(template, {"report": build(), **context})
        with welsh():
            welsh_page = render_to_string(template, {"report": build(), **context})
        assert english_left(english, welsh_page) == [], template


def test_the_group_csv_headings_are_welsh(checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer)
    report = group_reports.build_group_report(setup.group)
    out = io.StringIO()
    with welsh():
        exports.write_csv(out, report)
    heading = out.getvalue().splitlines()[0]
    assert "Grŵp" in heading
    assert "Council" not in heading


# An admin on the service's pages.


def test_an_admins_service_pages_are_all_welsh(client, checklist, admin_user):
    client.force_login(admin_user)
    for url in [reverse("assessments:start"), reverse("assessments:national_overview")]:
        assert_all_welsh(client, url)


# GOV.UK Frontend's own component text.


def test_the_components_own_text_is_welsh(councillor_client, submitted):
    gap = a_gap(submitted)
    response = welsh_post(
        councillor_client,
        reverse("assessments:action_step", args=[submitted.pk, gap]),
        {"what": "", "due_date_0": "40", "due_date_1": "", "due_date_2": ""},
    )
    page = html.unescape(response.content.decode())
    assert '<span class="govuk-visually-hidden">Gwall:</span>' in page
    assert "Mae problem" in page
    for label in ("Diwrnod", "Mis", "Blwyddyn"):
        assert f">{label}</label>" in page
    for english in ("Error:", "There is a problem", ">Day<", ">Month<", ">Year<"):
        assert english not in page


def test_the_character_count_speaks_welsh_in_every_plural_category(councillor_client, draft):
    area = draft.checklist.areas.order_by("order").first()
    page = html.unescape(
        welsh_get(
            councillor_client, reverse("assessments:area", args=[draft.pk, area.code])
        ).content.decode()
    )
    for category in ("zero", "one", "two", "few", "many", "other"):
        assert (
            f'data-i18n.characters-under-limit.{category}="Mae gennych %{{count}} nod ar ôl"'
            in page
        )
        assert (
            f'data-i18n.characters-over-limit.{category}="Mae gennych %{{count}} nod yn ormod"'
            in page
        )
    assert 'data-i18n.characters-at-limit="Mae gennych 0 nod ar ôl"' in page
    assert "characters remaining" not in page


# Two-factor (officers and admins).


def test_the_two_factor_pages_are_all_welsh(client, checklist, officer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from assessments import two_factor
    from tests.test_two_factor import code_for

    client.force_login(officer)
    setup_url = reverse("assessments:two_factor_setup")
    english_page = english_get(client, setup_url).content.decode()
    welsh_page = welsh_get(client, setup_url).content.decode()
    device = TOTPDevice.objects.get(user=officer)
    # The key to type into the app is the same in both languages: it is not a word.
    secret = two_factor.setup_page(device).secret
    assert english_left(english_page, welsh_page) == [secret]
    # A wrong code's error.
    english_page = english_post(client, setup_url, {"code": "12"}).content.decode()
    welsh_page = welsh_post(client, setup_url, {"code": "12"}).content.decode()
    assert english_left(english_page, welsh_page) == [secret]
    assert "Mae problem" in html.unescape(welsh_page)

    device.refresh_from_db()
    device.throttle_reset()  # the wrong codes above made the next try wait
    welsh_post(client, setup_url, {"code": code_for(device)})
    codes_url = reverse("assessments:two_factor_recovery_codes")
    assert_all_welsh(client, codes_url)

    client.logout()
    client.post(reverse("assessments:sign_in"), {"email": officer.email, "password": PASSWORD})
    verify_url = reverse("assessments:two_factor_verify")
    assert_all_welsh(client, verify_url)
    page = assert_all_welsh(client, verify_url, method="post", data={"code": "000000"})
    assert "Mae problem" in html.unescape(page)
