"""Every download: an attachment with its file name, never cached, built in one place."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import exports
from tests.group_helpers import build_group

NEVER_CACHE = {"private", "no-store", "no-cache", "must-revalidate", "max-age=0"}


def cache_directives(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def test_a_download_is_an_attachment_with_its_file_name_and_is_never_cached():
    response = exports.download_response(
        b"%PDF-", filename="innovation-gap-report.pdf", content_type="application/pdf"
    )

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="innovation-gap-report.pdf"'
    assert cache_directives(response) >= NEVER_CACHE
    assert "Expires" in response
    assert response.content == b"%PDF-"


def test_a_file_name_outside_ascii_is_sent_encoded():
    response = exports.download_response(b"", filename="Siân.pdf", content_type="application/pdf")

    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Si%C3%A2n.pdf"


@pytest.fixture
def downloads(checklist, council, officer, client):
    """The URL of every download, with the person who may take it."""
    setup = build_group(council, checklist, councillors=3, members=3, facilitator=officer)
    owner_report = next(iter(setup.assessments.values()))
    owner_report.shared_at = timezone.now()
    owner_report.save(update_fields=["shared_at"])
    owner = owner_report.owner
    return {
        "report_pdf": (owner, "get", reverse("assessments:report_pdf", args=[owner_report.pk])),
        "shared_report_pdf": (
            officer,
            "get",
            reverse("assessments:shared_report_pdf", args=[council.slug, owner_report.pk]),
        ),
        "group_report_pdf": (
            officer,
            "get",
            reverse("assessments:group_report_pdf", args=[setup.group.pk]),
        ),
        "group_report_csv": (
            officer,
            "get",
            reverse("assessments:group_report_csv", args=[setup.group.pk]),
        ),
        "your_data_download": (owner, "post", reverse("assessments:your_data_download")),
    }


@pytest.mark.parametrize(
    "name",
    [
        "report_pdf",
        "shared_report_pdf",
        "group_report_pdf",
        "group_report_csv",
        "your_data_download",
    ],
)
def test_every_download_is_an_attachment_that_no_cache_keeps(client, downloads, name):
    person, method, url = downloads[name]
    client.force_login(person)

    response = getattr(client, method)(url)

    assert response.status_code == 200
    prefix = "your-data-" if name == "your_data_download" else "innovation-"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{prefix}')
    assert cache_directives(response) >= NEVER_CACHE
    assert "Expires" in response


def test_the_pdf_module_reads_no_database():
    """`pdf.py` turns HTML into a PDF; what goes in it, and from where, is `exports.py`'s."""
    source = Path(__file__).resolve().parent.parent / "assessments" / "pdf.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)

    assert not {m for m in imported if m.startswith(("assessments", "django.db"))}
