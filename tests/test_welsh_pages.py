"""
The Welsh of the page shell, error pages, account pages, emails, accessibility and privacy
pages, blank checklist and answering pages, from the service's catalogue
(locale/cy/LC_MESSAGES/django.po, compiled by scripts/setup).

Each page is rendered with Welsh active: the key Welsh strings appear and the English
sentences they replace do not. A page's language is its address's, and `reverse` under Welsh
gives the /cy/ address.
"""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tests.welsh_helpers import welsh as welsh_active


@pytest.fixture
def welsh():
    with welsh_active():
        yield


def page(client, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status
    return response.content.decode()


def assert_welsh(html: str, welsh: list[str], english: list[str]) -> None:
    for text in welsh:
        assert text in html, f"missing Welsh: {text}"
    for text in english:
        assert text not in html, f"English left: {text}"


def test_the_sign_in_page_and_the_page_shell_are_in_welsh(welsh, client, db):
    html = page(client, reverse("assessments:sign_in"))
    assert_welsh(
        html,
        [
            "Neidio i’r prif gynnwys",
            "Mae hwn yn wasanaeth newydd.",
            "Datganiad hygyrchedd",
            "Hysbysiad preifatrwydd",
            "Dolenni cymorth",
            'aria-label="Dewislen"',
            "Mewngofnodi",
            "Cyfeiriad e-bost",
            "Cyfrinair",
            "Rwyf wedi anghofio fy nghyfrinair",
            "Os nad oes gennych gyfrif",
            "Camau Allweddol Arweinwyr Cynghorau ar gyfer Arloesi",
        ],
        [
            "Skip to main content",
            "This is a new service.",
            "Support links",
            "Sign in with the email address",
            "I have forgotten my password",
            "If you do not have an account",
            "Accounts are by invitation.",
            "Email address",
            ">Sign in<",
        ],
    )


def test_sign_in_errors_are_in_welsh_including_the_hidden_error_prefixes(welsh, client, db):
    response = client.post(reverse("assessments:sign_in"), {"email": "", "password": ""})
    html = response.content.decode()
    assert_welsh(
        html,
        [
            "<title>Gwall: Mewngofnodi",
            "Mae problem wedi codi",
            '<span class="govuk-visually-hidden">Gwall:</span>',
            "Rhowch eich cyfeiriad e-bost",
            "Rhowch eich cyfrinair",
        ],
        ["Error:", "There is a problem", "Enter your email address", "Enter your password"],
    )


def test_a_wrong_password_gets_the_welsh_message(welsh, client, councillor):
    response = client.post(
        reverse("assessments:sign_in"),
        {"email": councillor.email, "password": "not-the-password-at-all"},
    )
    html = response.content.decode()
    assert "Rhowch gyfeiriad e-bost a chyfrinair cywir" in html
    assert "Enter a correct email address and password" not in html


def test_the_accessibility_statement_and_privacy_notice_are_in_welsh(welsh, client, db):
    html = page(client, reverse("assessments:accessibility"))
    assert_welsh(
        html,
        [
            "Datganiad hygyrchedd ar gyfer",
            "chwyddo hyd at 400% heb i’r testun lifo oddi ar y sgrin",
            "Y weithdrefn orfodi",
            "Paratowyd y datganiad hwn ar 29 Tachwedd 2026.",
        ],
        ["How accessible this service is", "zoom in up to 400%", "Enforcement procedure"],
    )
    html = page(client, reverse("assessments:privacy"))
    assert_welsh(
        html,
        ["Pa ddata rydym yn ei gadw", "Eich hawliau", "Swyddfa’r Comisiynydd Gwybodaeth (ICO)"],
        ["What data we hold", "Your rights", "Information Commissioner’s Office"],
    )


def test_the_error_pages_are_in_welsh(welsh, client, db):
    html = page(client, "/cy/no-such-page/", status=404)
    assert_welsh(
        html,
        ["Heb ddod o hyd i’r dudalen", "Ewch i’r dudalen gychwyn"],
        ["Page not found", "If you typed the web address"],
    )
    html = render_to_string("500.html")
    assert_welsh(
        html,
        ["Mae’n ddrwg gennym, mae problem gyda’r gwasanaeth", "Camau Allweddol ar gyfer Arloesi"],
        ["Sorry, there is a problem", "Try again later."],
    )
    html = render_to_string("400.html")
    assert "Mae’n ddrwg gennym, mae problem gyda’r cais hwn" in html


def test_a_councillors_task_list_and_header_are_in_welsh(welsh, signed_in, draft):
    html = page(signed_in, reverse("assessments:assessment_detail", args=[draft.pk]))
    assert_welsh(
        html,
        ["Eich asesiad", "Yn ôl i’ch asesiadau", "Heb ddechrau", "Allgofnodi", "Eich asesiadau"],
        ["Back to your assessments", "Sign out", "Not started", "Your assessments"],
    )


def test_the_submitted_assessment_and_your_data_pages_are_in_welsh(welsh, signed_in, submitted):
    html = page(signed_in, reverse("assessments:assessment_detail", args=[submitted.pk]))
    assert_welsh(
        html,
        ["Dyma’r atebion a gyflwynwyd gennych.", "Gweld yr adroddiad", "Cyflwynwyd ar"],
        ["These are the answers you submitted.", "View report", "Submitted on"],
    )
    html = page(signed_in, reverse("assessments:your_data"))
    assert_welsh(
        html,
        ["Lawrlwytho eich data", "Dileu eich cyfrif", "Byddwch yn cael un ffeil ZIP."],
        ["Download your data", "Delete your account", "You will get one ZIP file."],
    )


def test_the_invitation_email_is_in_welsh(welsh):
    context = {
        "full_name": "Alex Morgan",
        "inviter": "Jo Williams",
        "council": "Northshire County Council",
        "service_name": "Key Actions for Innovation",
        "link": "https://example.org/invitation/abc/",
        "expires_at": None,
    }
    text = render_to_string("emails/invitation.txt", context)
    assert_welsh(
        text,
        [
            "Annwyl Alex Morgan,",
            "Mae Jo Williams o Northshire County Council wedi eich gwahodd",
            "I dderbyn, gosodwch eich cyfrinair drwy ddilyn y ddolen hon:",
        ],
        ["Dear ", "has invited you", "To accept, set your password"],
    )
    html = render_to_string("emails/invitation.html", context)
    assert "Gosodwch eich cyfrinair a dechrau arni" in html
    assert "Set your password and get started" not in html


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, "unwaith, 1 diwrnod cyn"),
        (2, "unwaith, hyd at 2 ddiwrnod cyn"),
        (3, "unwaith, hyd at 3 diwrnod cyn"),
        (7, "unwaith, hyd at 7 diwrnod cyn"),
    ],
)
def test_plurals_use_the_welsh_forms(welsh, days, expected):
    message = translation.ngettext(
        "once, %(days)s day before a next step you planned is due, with a calendar file for it",
        "once, up to %(days)s days before a next step you planned is due, with a calendar file "
        "for it",
        days,
    ) % {"days": days}
    assert message.startswith(expected)
