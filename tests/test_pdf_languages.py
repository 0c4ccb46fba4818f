"""
PDFs in the reader's language (#15): the document's language (/Lang), "Page N of M" in it, a
cache kept per language (a Welsh officer and an English one print the same group's pack, each in
their own language) and the warming task warming the language the report's owner uses.
"""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from assessments import exports, pdf
from assessments.models import User
from tests.builders import make_user
from tests.group_helpers import build_group
from tests.welsh_helpers import welsh as welsh_catalogue_compiled


@pytest.fixture(autouse=True)
def welsh_catalogue():
    """The compiled service catalogue, checked current (tests/welsh_helpers.py)."""
    with welsh_catalogue_compiled():
        pass


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The HTML of each PDF rendered, in order."""
    rendered: list[str] = []
    real = pdf.html_to_pdf

    def counting(html, **options):
        rendered.append(html)
        return real(html, **options)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return rendered


def facts(content: bytes) -> tuple[str, str]:
    """The PDF's document language and the text of its first page."""
    reader = PdfReader(io.BytesIO(content))
    return str(reader.root_object.get("/Lang", "")), reader.pages[0].extract_text()


def welsh(url: str) -> str:
    return "/cy" + url


def test_a_report_pdf_is_in_the_language_of_the_page_it_is_downloaded_from(client, submitted):
    client.force_login(submitted.owner)
    url = reverse("assessments:report_pdf", args=[submitted.pk])

    lang, text = facts(client.get(welsh(url)).content)
    assert lang == "cy"
    assert "Tudalen 1 o " in text
    assert "Page 1 of" not in text

    lang, text = facts(client.get(url).content)
    assert lang == "en-GB"
    assert "Page 1 of " in text


def test_a_welsh_officer_and_an_english_one_each_print_the_groups_pack_in_their_language(
    client, checklist, council, officer, renders
):
    setup = build_group(council, checklist, facilitator=officer, councillors=6, members=4)
    welsh_officer = make_user(
        email="elin.officer@example.org",
        full_name="Elin Hughes",
        council=council,
        role=User.Role.OFFICER,
        language="cy",
    )
    url = reverse("assessments:group_meeting_pack", args=[setup.group.pk])

    client.force_login(welsh_officer)
    welsh_pack = client.get(welsh(url)).content
    client.force_login(officer)
    english_pack = client.get(url).content
    assert (facts(welsh_pack)[0], facts(english_pack)[0]) == ("cy", "en-GB")
    assert len(renders) == 2

    # Each language's pack is cached on its own: downloading both again renders nothing.
    assert client.get(url).content == english_pack
    client.force_login(welsh_officer)
    assert client.get(welsh(url)).content == welsh_pack
    assert len(renders) == 2


def test_a_reports_cache_key_holds_the_language(submitted):
    english = exports.report_pdf_cache_key(submitted)
    with translation.override("cy"):
        assert exports.report_pdf_cache_key(submitted) == english.replace(":en-gb:", ":cy:")
    assert ":en-gb:" in english


def test_a_papers_cache_key_holds_the_language(renders):
    html = "<html><body><p>The same HTML</p></body></html>"
    english = exports.cached_html_pdf("a-paper", html)
    with translation.override("cy"):
        welsh_copy = exports.cached_html_pdf("a-paper", html)
    assert len(renders) == 2
    assert english.startswith(b"%PDF") and welsh_copy.startswith(b"%PDF")


def test_warming_renders_the_report_in_its_owners_language(client, submitted, renders):
    User.objects.filter(pk=submitted.owner_id).update(language="cy")

    exports.report_pdf_warm.call(submitted.pk)

    assert len(renders) == 1
    assert '<html lang="cy">' in renders[0]
    client.force_login(submitted.owner)
    response = client.get(welsh(reverse("assessments:report_pdf", args=[submitted.pk])))
    assert facts(response.content)[0] == "cy"
    assert len(renders) == 1  # the warmed one


def test_the_blank_checklist_pdf_is_in_welsh_under_cy(client, checklist):
    url = reverse("assessments:blank_checklist_pdf")
    lang, text = facts(client.get(welsh(url)).content)
    assert lang == "cy"
    assert "Tudalen 1 o " in text
    assert facts(client.get(url).content)[0] == "en-GB"
