"""The council's CSV of councillor progress: one row per councillor, dates and groups, never
answers; for the council's officers (and admins), read back as a spreadsheet would."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import groups, invitations
from assessments.answering import assessment_start
from assessments.models import User
from tests.builders import add_note, make_user, submit

HEADER = ["Name", "Email", "Invited", "Last signed in", "Draft started", "Submitted", "Groups"]


def csv_url(council) -> str:
    return reverse("assessments:council_progress_csv", args=[council.slug])


def read_back(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_it_lists_each_councillor_with_dates_and_groups_and_never_answers(
    client, officer, council, checklist, councillor, second_councillor
):
    today = f"{timezone.localdate():%Y-%m-%d}"
    User.objects.filter(pk=councillor.pk).update(last_login=timezone.now())
    earlier = submit(
        councillor,
        checklist,
        {"persist": "not-yet"},
        submitted_at=timezone.now() - timedelta(days=40),
    )
    add_note(earlier, "persist", "A private note about budgets")
    submit(councillor, checklist)
    assessment_start(owner=second_councillor, from_previous=False)
    cabinet = groups.group_create(council=council, name="Cabinet")
    scrutiny = groups.group_create(council=council, name="Scrutiny")
    groups.group_add_members(group=cabinet, users=[councillor, second_councillor])
    groups.group_add_members(group=scrutiny, users=[councillor])
    invitations.invitation_create(
        council=council, full_name="Ivy Invited", email="ivy@example.org", invited_by=officer
    )
    client.force_login(officer)

    response = client.get(csv_url(council))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="councillor-progress-{council.slug}-{today}.csv"'
        in (response["Content-Disposition"])
    )
    rows = read_back(response)
    assert rows[0] == HEADER
    by_email = {row[1]: row for row in rows[1:]}
    assert by_email[councillor.email] == [
        councillor.full_name,
        councillor.email,
        "",
        today,
        "",
        f"{today}; {timezone.localdate(earlier.submitted_at):%Y-%m-%d}",
        "Cabinet; Scrutiny",
    ]
    assert by_email[second_councillor.email][4] == today
    assert by_email[second_councillor.email][6] == "Cabinet"
    assert by_email["ivy@example.org"][2] == today
    assert len(rows) == 1 + User.objects.filter(council=council, role="councillor").count()
    text = response.content.decode()
    for private in ["budgets", "Not yet", "Yes", "%"]:
        assert private not in text


def test_cells_a_spreadsheet_would_run_are_neutralised(client, officer, council):
    make_user(email="formula@example.org", full_name='=HYPERLINK("https://evil")', council=council)
    client.force_login(officer)

    rows = read_back(client.get(csv_url(council)))

    assert rows[1][0] == '\'=HYPERLINK("https://evil")'


def test_only_councillors_of_the_council_are_listed(
    client, officer, council, councillor, other_councillor
):
    client.force_login(officer)

    emails = [row[1] for row in read_back(client.get(csv_url(council)))[1:]]

    assert emails == [councillor.email]


def test_an_officer_of_another_council_gets_not_found(client, other_officer, council):
    client.force_login(other_officer)

    assert client.get(csv_url(council)).status_code == 404


def test_a_councillor_cannot_download_it(client, councillor, council):
    client.force_login(councillor)

    assert client.get(csv_url(council)).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, council):
    response = client.get(csv_url(council))

    assert response.status_code == 302
    assert response.url.startswith(reverse("assessments:sign_in"))


def test_an_admin_can_download_any_councils(client, admin_user, other_council, other_councillor):
    client.force_login(admin_user)

    rows = read_back(client.get(csv_url(other_council)))

    assert [row[1] for row in rows[1:]] == [other_councillor.email]


def test_the_dashboard_links_to_it(client, officer, council):
    client.force_login(officer)

    assert (
        f'href="{csv_url(council)}"'
        in client.get(
            reverse("assessments:council_dashboard", args=[council.slug])
        ).content.decode()
    )


@pytest.mark.parametrize("extra", [3, 30])
def test_it_runs_a_fixed_number_of_queries(
    client, officer, council, checklist, extra, django_assert_num_queries
):
    cabinet = groups.group_create(council=council, name="Cabinet")
    people = [
        make_user(email=f"p{i}@example.org", full_name=f"P {i}", council=council)
        for i in range(extra)
    ]
    groups.group_add_members(group=cabinet, users=people)
    for person in people:
        submit(person, checklist, group=cabinet)
        invitations.invitation_create(
            council=council,
            full_name=f"I {person.pk}",
            email=f"i{person.pk}@example.org",
            invited_by=None,
        )
    client.force_login(officer)

    # Session, user, council, councillors, invitations, their emails, assessments, groups.
    with django_assert_num_queries(8):
        rows = read_back(client.get(csv_url(council)))

    assert len(rows) == 1 + 2 * extra
