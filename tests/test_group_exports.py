"""The group report's PDF and CSV: what they say, their headers, and formula-safe cells."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.exports import neutralise
from assessments.models import AnswerOption, GroupAgreement, Question
from tests.group_helpers import AGENDA, SHARED_GAPS, build_group


@pytest.fixture
def setup(checklist, council, officer):
    return build_group(council, checklist, facilitator=officer)


def pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", text)


# --- PDF -----------------------------------------------------------------------------------


def test_the_pdf_names_the_group_council_and_the_agenda_in_order_with_page_numbers(
    client, setup, officer
):
    GroupAgreement.objects.create(
        group=setup.group,
        question=Question.objects.get(code="persist"),
        option=AnswerOption.objects.get(checklist=setup.group.checklist, code="partly"),
        action_what="Review the three priority projects every quarter",
        updated_by=officer,
    )
    client.force_login(officer)

    response = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="innovation-group-report-cabinet-{today:%Y-%m-%d}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    reader, text = pdf_text(response.content)
    assert "Group report: Cabinet" in text
    assert "Northshire County Council" in text
    # The edition by its title and date, not a bare version number.
    assert f"{setup.group.checklist.title}, published 29 November 2026" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    summaries = dict(Question.objects.values_list("code", "summary"))
    agenda = text[text.index("Agenda for discussion") : text.index("Gaps most members share")]
    positions = [agenda.index(summaries[code]) for code in AGENDA]
    assert positions == sorted(positions)
    gaps = text[text.index("Gaps most members share") :]
    positions = [gaps.index(summaries[code]) for code in SHARED_GAPS]
    assert positions == sorted(positions)
    assert "Review the three priority projects every quarter" in text
    assert "Record agreed answer" not in text
    for member in setup.members:
        assert member.full_name not in text


def test_a_member_downloads_the_pdf_too(client, setup):
    client.force_login(setup.members[0])

    response = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk]))

    assert response.status_code == 200


def test_the_pdf_prints_a_hostile_group_name_as_text(client, checklist, council, officer):
    setup = build_group(
        council,
        checklist,
        councillors=3,
        members=3,
        name='<link rel="attachment" href="file:///etc/passwd">',
    )
    client.force_login(officer)

    response = client.get(reverse("assessments:group_report_pdf", args=[setup.group.pk]))

    assert response.status_code == 200
    assert b"root:" not in response.content
    _, text = pdf_text(response.content)
    assert "file:///etc/passwd" in text


# --- CSV -----------------------------------------------------------------------------------


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_has_the_counts_per_key_action_and_no_names(client, setup, officer):
    client.force_login(officer)

    response = client.get(reverse("assessments:group_report_csv", args=[setup.group.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith(
        'attachment; filename="innovation-group-answers-cabinet-'
    )
    rows = csv_rows(response)
    assert len(rows) == 20
    by_code = {row["Key action code"]: row for row in rows}
    assert [
        by_code["encourage-creativity"][k] for k in ("Yes", "Partly", "Not yet", "Not sure")
    ] == ["6", "0", "6", "0"]
    assert by_code["monitor-progress"]["Not sure"] == "2"
    assert by_code["monitor-progress"]["Shared gap"] == "Yes"
    assert by_code["take-calculated-risks"]["Disagreement (%)"] == "67"
    assert by_code["persist"]["Research priority"] == "Yes"
    assert all(row["Members who answered"] == "12" for row in rows)
    body = response.content.decode()
    for member in setup.members:
        assert member.full_name not in body and member.email not in body


def test_the_csv_neutralises_cells_a_spreadsheet_would_run(client, checklist, council, officer):
    council.name = "+Council"
    council.save()
    setup = build_group(
        council, checklist, councillors=3, members=3, name='=HYPERLINK("http://evil.example","x")'
    )
    client.force_login(officer)

    response = client.get(reverse("assessments:group_report_csv", args=[setup.group.pk]))

    rows = csv_rows(response)
    assert rows[0]["Group"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[0]["Council"] == "'+Council"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Cabinet", "Cabinet"),
        (12, 12),
    ],
)
def test_neutralise_prefixes_formula_starts_only(value, expected):
    assert neutralise(value) == expected


def test_members_cannot_download_the_csv(client, setup):
    client.force_login(setup.members[0])

    response = client.get(reverse("assessments:group_report_csv", args=[setup.group.pk]))

    assert response.status_code == 403
