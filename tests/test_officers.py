"""The officers' dashboard: every councillor's progress, invitations, and inviting a list."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments import groups, invitations
from assessments.answering import assessment_start
from assessments.dashboards import ProgressState
from assessments.forms.invitations import BulkInviteForm
from assessments.models import Assessment, CouncillorGroup, Email, Invitation, User
from tests.builders import make_user, submit


def dashboard_url(council) -> str:
    return reverse("assessments:council_dashboard", args=[council.slug])


def bulk_url(council) -> str:
    return reverse("assessments:bulk_invite", args=[council.slug])


def invite(council, name, email, by=None) -> Invitation:
    return invitations.invitation_create(
        council=council, full_name=name, email=email, invited_by=by
    )


# --- The dashboard -------------------------------------------------------------------------


def test_an_officer_lands_on_their_councils_councillors_from_the_dashboard(
    client, officer, councillor
):
    client.force_login(officer)

    response = client.get(reverse("assessments:dashboard"))

    assert response.status_code == 200
    assert response.templates[0].name == "assessments/officers/dashboard.html"
    assert "Northshire County Council" in response.text
    assert "Alex Morgan" in response.text


def test_an_admin_lands_on_a_list_of_councils_with_the_national_overview(
    client, admin_user, council, other_council
):
    client.force_login(admin_user)

    response = client.get(reverse("assessments:dashboard"))

    assert dashboard_url(council) in response.text
    assert dashboard_url(other_council) in response.text
    assert reverse("assessments:national_overview") in response.text


def test_an_admin_can_open_any_councils_dashboard(client, admin_user, other_councillor):
    client.force_login(admin_user)

    response = client.get(dashboard_url(other_councillor.council))

    assert response.status_code == 200
    assert "Chris Evans" in response.text


def test_an_officer_of_another_council_gets_not_found(client, other_officer, council):
    client.force_login(other_officer)

    assert client.get(dashboard_url(council)).status_code == 404
    assert client.get(bulk_url(council)).status_code == 404


def test_councillors_cannot_open_the_officers_pages(client, councillor, council):
    client.force_login(councillor)

    assert client.get(dashboard_url(council)).status_code == 403
    assert client.get(bulk_url(council)).status_code == 403


def test_the_dashboard_lists_only_councillors_of_the_council(
    client, officer, councillor, other_councillor, other_officer
):
    client.force_login(officer)

    page = client.get(dashboard_url(officer.council)).text

    assert "Alex Morgan" in page
    assert "Chris Evans" not in page
    assert "Pat Hughes" not in page
    assert "Jo Williams" not in page.split("<main")[1]  # officers are not listed as councillors


def test_it_shows_each_councillors_state_with_dates(client, officer, council, checklist):
    invited = invite(council, "Ivy Invited", "ivy@example.org")
    signed_in = make_user(email="sid@example.org", full_name="Sid Signed", council=council)
    signed_in.last_login = timezone.now() - timedelta(days=2)
    signed_in.save()
    drafter = make_user(email="dot@example.org", full_name="Dot Draft", council=council)
    Assessment.objects.create(owner=drafter, checklist=checklist)
    submitter = make_user(email="sue@example.org", full_name="Sue Submit", council=council)
    submit(submitter, checklist, shared=True)
    client.force_login(officer)

    response = client.get(dashboard_url(council))
    rows = {row.user.full_name: row for row in response.context["rows"]}

    assert rows["Ivy Invited"].state == "pending"
    assert rows["Sid Signed"].state == "signed_in"
    assert rows["Dot Draft"].state == "draft"
    assert rows["Sue Submit"].state == "submitted"
    page = response.text
    assert f"link expires {invited.expires_at:%-d %B %Y}" in page
    assert f"on {signed_in.last_login:%-d %B %Y}, not started yet" in page
    assert "not submitted yet" in page
    assert "Shared report of" in page


def test_a_councillor_whose_account_was_switched_off_after_accepting_shows_as_deactivated(
    client, officer, council
):
    invitation = invite(council, "Dee Active", "dee@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    User.objects.filter(pk=invitation.user_id).update(is_active=False)
    client.force_login(officer)

    response = client.get(dashboard_url(council))

    assert response.status_code == 200
    [row] = [r for r in response.context["rows"] if r.user.pk == invitation.user_id]
    assert row.state == ProgressState.DEACTIVATED
    assert "Account deactivated" in response.text
    assert response.context["counts"]["total"] == len(response.context["rows"])
    assert "1 with their account switched off by the service’s admins" in response.text


def test_the_summary_does_not_say_an_account_nobody_has_signed_in_to_was_signed_in_to(
    client, officer, council
):
    make_user(email="never@example.org", full_name="Never Signed In", council=council)
    client.force_login(officer)

    page = client.get(dashboard_url(council)).text

    assert "1 with an account but no assessment started yet" in page
    assert "signed in but have not started" not in page


def test_resend_and_revoke_from_the_dashboard_come_back_to_it(client, officer, council, run_tasks):
    invitation = invite(council, "Ivy Invited", "ivy@example.org")
    client.force_login(officer)
    page = client.get(dashboard_url(council)).text
    assert reverse("assessments:resend_invitation", args=[invitation.pk]) in page
    assert reverse("assessments:revoke_invitation", args=[invitation.pk]) in page

    response = client.post(
        reverse("assessments:resend_invitation", args=[invitation.pk]),
        {"next": dashboard_url(council)},
    )

    assert response.url == dashboard_url(council)
    run_tasks()
    assert len(mail.outbox) == 1  # the new invitation's: the first one's was cancelled
    newest = Invitation.objects.filter(user=invitation.user).latest("created_at")
    response = client.post(
        reverse("assessments:revoke_invitation", args=[newest.pk]),
        {"next": dashboard_url(council)},
    )
    assert response.url == dashboard_url(council)
    newest.refresh_from_db()
    assert newest.revoked_at is not None
    assert "Invitation revoked" in client.get(dashboard_url(council)).text


def test_resend_ignores_a_return_address_on_another_site(client, officer, council):
    invitation = invite(council, "Ivy Invited", "ivy@example.org")
    client.force_login(officer)

    response = client.post(
        reverse("assessments:resend_invitation", args=[invitation.pk]),
        {"next": "https://evil.example.com/"},
    )

    assert response.url == reverse("assessments:invite")


def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, officer, council, checklist, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            user = make_user(email=f"c{n}-{i}@example.org", full_name=f"C {n} {i}", council=council)
            submit(user, checklist, shared=i % 2 == 0)
            invite(council, f"I {n} {i}", f"i{n}-{i}@example.org")

    client.force_login(officer)
    add(3)
    # Session, user, council, councillors, invitations, their emails, assessments, groups.
    with django_assert_num_queries(8):
        client.get(dashboard_url(council))
    add(30)
    with django_assert_num_queries(8):
        client.get(dashboard_url(council))


# --- The council's groups ------------------------------------------------------------------


@pytest.fixture
def cabinet(council, checklist):
    """Cabinet: Ann and Bea submitted for it, Cal has a draft for it, Dee has not started, and
    Eve submitted an assessment linked to no group."""
    people = {
        name: make_user(email=f"{name.lower()}@example.org", full_name=name, council=council)
        for name in ["Ann", "Bea", "Cal", "Dee", "Eve"]
    }
    group = groups.group_create(council=council, name="Cabinet")
    group.answers_due = timezone.localdate() + timedelta(days=7)
    group.meeting_date = timezone.localdate() + timedelta(days=14)
    group.save(update_fields=["answers_due", "meeting_date"])
    groups.group_add_members(group=group, users=list(people.values()))
    submit(people["Ann"], checklist, group=group, default="not-yet")
    submit(people["Bea"], checklist, group=group)
    assessment_start(owner=people["Cal"], from_previous=False, group=group)
    submit(people["Eve"], checklist)
    return group


def group_card(client, council, group) -> str:
    html = client.get(dashboard_url(council)).content.decode()
    match = re.search(
        rf'<div class="govuk-summary-card" id="group-{group.pk}">.*?</dl>', html, re.S
    )
    assert match, "the group's card is on the dashboard"
    return match.group(0)


def test_each_group_shows_who_has_submitted_the_deadline_and_the_next_action(
    client, officer, council, cabinet
):
    client.force_login(officer)

    card = group_card(client, council, cabinet)

    assert "Collecting answers" in card
    assert f"{cabinet.answers_due:%-d %B %Y}" in card
    assert "2 of 5 members: Ann, Bea" in card
    assert "Cal, Dee, Eve" in card  # Eve's assessment is for no group
    assert "Remind 3 members" in card
    assert f'href="{reverse("assessments:group_detail", args=[cabinet.pk])}"' in card
    # Names only: never an answer or a score.
    assert "Not yet" not in card and "%" not in card


@pytest.mark.parametrize(
    ("status", "label", "url_name"),
    [
        (CouncillorGroup.Status.DISCUSSION, "Record the agreement", "group_report"),
        (CouncillorGroup.Status.CLOSED, "See the agreed plan", "group_report"),
    ],
)
def test_a_group_past_collecting_leads_to_its_report(
    client, officer, council, cabinet, status, label, url_name
):
    CouncillorGroup.objects.filter(pk=cabinet.pk).update(status=status)
    client.force_login(officer)

    card = group_card(client, council, cabinet)

    assert label in card
    assert f'href="{reverse(f"assessments:{url_name}", args=[cabinet.pk])}"' in card


def test_once_everyone_has_submitted_the_next_action_is_to_start_the_discussion(
    client, officer, council, checklist, cabinet
):
    for member in cabinet.members.exclude(
        assessments__group=cabinet, assessments__status="submitted"
    ):
        Assessment.objects.filter(owner=member, status="draft").delete()
        submit(member, checklist, group=cabinet)
    client.force_login(officer)

    card = group_card(client, council, cabinet)

    assert "5 of 5 members" in card
    assert "Start the discussion" in card
    assert f'href="{reverse("assessments:group_edit", args=[cabinet.pk])}"' in card


def test_after_the_deadline_with_the_minimum_in_the_next_action_is_the_discussion(
    client, officer, council, checklist, cabinet
):
    dee = cabinet.members.get(full_name="Dee")
    submit(dee, checklist, group=cabinet)  # three of five: the minimum
    CouncillorGroup.objects.filter(pk=cabinet.pk).update(
        answers_due=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(officer)

    assert "Start the discussion" in group_card(client, council, cabinet)


def test_after_the_deadline_below_the_minimum_the_officer_still_reminds(
    client, officer, council, cabinet
):
    CouncillorGroup.objects.filter(pk=cabinet.pk).update(
        answers_due=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(officer)

    assert "Remind 3 members" in group_card(client, council, cabinet)


def test_a_group_smaller_than_the_minimum_asks_for_members(client, officer, council, councillor):
    group = groups.group_create(council=council, name="Panel")
    groups.group_add_members(group=group, users=[councillor])
    client.force_login(officer)

    card = group_card(client, council, group)

    assert "Add members" in card
    assert f'href="{reverse("assessments:group_members", args=[group.pk])}"' in card


def test_another_councils_groups_are_not_shown(client, officer, council, other_council):
    groups.group_create(council=other_council, name="Their cabinet")
    client.force_login(officer)

    assert "Their cabinet" not in client.get(dashboard_url(council)).content.decode()


def test_the_groups_overview_runs_a_fixed_number_of_queries_whatever_the_members(
    client, officer, council, checklist, cabinet, django_assert_num_queries
):
    client.force_login(officer)
    # Session, user, council, councillors, invitations, assessments, groups, their
    # memberships (no invitation here has an email to look up).
    with django_assert_num_queries(8):
        client.get(dashboard_url(council))

    more = [
        make_user(email=f"m{i}@example.org", full_name=f"Member {i}", council=council)
        for i in range(20)
    ]
    groups.group_add_members(group=cabinet, users=more)
    for member in more[:10]:
        submit(member, checklist, group=cabinet)
    second = groups.group_create(council=council, name="Scrutiny")
    groups.group_add_members(group=second, users=more)
    with django_assert_num_queries(8):
        card = group_card(client, council, cabinet)

    assert "12 of 25 members" in card


# --- A council of 30 -----------------------------------------------------------------------


@pytest.fixture
def council_of_30(council, checklist):
    """
    Thirty councillors with hand-countable progress: 10 submitted (3 of them shared), 6 with a
    draft, 5 signed in only, 6 invited, 2 with an expired invitation and 1 revoked.
    """
    people = []
    for i in range(30):
        name, email = f"Councillor {i:02d}", f"councillor{i:02d}@example.org"
        if i < 21:
            user = make_user(email=email, full_name=name, council=council)
        else:
            user = invite(council, name, email).user
        people.append(user)
    for i in range(10):
        # encourage-creativity: i % 4 gives yes, partly, not-yet, not-sure in turn.
        code = ["yes", "partly", "not-yet", "not-sure"][i % 4]
        submit(
            people[i],
            checklist,
            {"encourage-creativity": code, "persist": "not-yet"},
            shared=i < 3,
        )
    for i in range(10, 16):
        Assessment.objects.create(owner=people[i], checklist=checklist)
    User.objects.filter(pk__in=[p.pk for p in people[:21]]).update(last_login=timezone.now())
    Invitation.objects.filter(user__in=people[27:29]).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    invitations.invitation_revoke(invitation=Invitation.objects.get(user=people[29]))
    return people


def test_a_council_of_30_shows_the_hand_counted_states(client, officer, council, council_of_30):
    client.force_login(officer)

    response = client.get(dashboard_url(council))

    counts = response.context["counts"]
    assert counts["total"] == 30
    assert counts["submitted"] == 10
    assert counts["shared"] == 3
    assert counts["draft"] == 6
    assert counts["not_started"] == 5
    assert counts["invited"] == 9
    assert counts["pending"] == 6
    assert counts["expired"] == 2
    assert counts["revoked"] == 1
    page = response.text
    assert page.count("Shared report of") == 3
    assert page.count("Report not shared") == 7
    # Resend for the 9 not yet signed in; revoke only for the 6 links still working.
    assert page.count("Send a new invitation<") == 9
    assert page.count(">Revoke<") == 6


# --- Inviting a list -----------------------------------------------------------------------


def test_a_pasted_list_invites_good_lines_and_reports_bad_ones_by_line_number(
    client, officer, council, councillor, run_tasks
):
    invite(council, "Already Invited", "already@example.org")
    run_tasks()
    mail.outbox.clear()
    client.force_login(officer)
    pasted = "\n".join(
        [
            "Name, Email",  # 1: headings
            "Nia Jones, nia@example.org",  # 2: good
            "Owen Price nia@example.org",  # 3: no comma
            "Rhys Evans, not-an-email",  # 4: bad email
            ", nobody@example.org",  # 5: no name
            "Alex Morgan, alex.councillor@example.org",  # 6: has an account
            "Already Invited, ALREADY@example.org",  # 7: invited before
            "",  # 8: blank, ignored
            "Nia Jones again, NIA@example.org",  # 9: twice in the list
            "Cerys Ward, cerys@example.org, extra",  # 10: too many parts
            "cerys@example.org, Cerys Ward",  # 11: wrong way round
            "Cerys Ward, cerys@example.org,,",  # 12: good (trailing empty cells)
        ]
    )

    response = client.post(bulk_url(council), {"pasted": pasted})

    assert response.status_code == 200
    result = response.context["result"]
    assert [(line.line, line.email) for line in result.invited] == [
        (2, "nia@example.org"),
        (12, "cerys@example.org"),
    ]
    problems = {p.line: p.reason for p in result.problems}
    assert problems == {
        3: "Put a comma between the name and the email address.",
        4: "The email address is not in the correct format, like name@example.org.",
        5: "The name is missing.",
        10: "There are more than two parts. Give the name, a comma, then the email address.",
        11: "The name and email address are the wrong way round.",
    }
    skipped = {p.line: p.reason for p in result.skipped}
    assert skipped == {
        6: "alex.councillor@example.org already has an account for Northshire County Council. "
        "They can sign in, or reset their password if they have forgotten it.",
        7: "already@example.org has already been invited to Northshire County Council. "
        "To send them a new link, use “Send a new invitation” beside their name.",
        9: "The same email address is on line 2.",
    }
    assert mail.outbox == []  # queued, not sent in the request
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["cerys@example.org", "nia@example.org"]
    assert User.objects.filter(email="nia@example.org", council=council).count() == 1
    page = response.text
    assert "2 invitations made, their emails queued, 3 already known, 5 lines to correct" in page
    # The lines to correct go back in the box, ready to fix.
    assert response.context["form"].initial["pasted"].splitlines()[0] == (
        "Owen Price nia@example.org"
    )


def test_nobody_is_invited_twice_when_the_same_list_is_sent_again(
    client, officer, council, run_tasks
):
    client.force_login(officer)
    pasted = "Nia Jones, nia@example.org\nOwen Price, owen@example.org"

    client.post(bulk_url(council), {"pasted": pasted})
    again = client.post(bulk_url(council), {"pasted": pasted})

    assert len(again.context["result"].invited) == 0
    assert len(again.context["result"].skipped) == 2
    assert Invitation.objects.count() == 2
    run_tasks()
    assert len(mail.outbox) == 2


def test_a_list_is_made_in_four_inserts_and_one_task_a_line(
    officer, council, django_assert_max_num_queries
):
    lines = [invitations.InviteLine(n, f"Person {n}", f"p{n}@example.org") for n in range(1, 41)]

    # The existing accounts, the savepoint, accounts, invitations, emails and the access trail's
    # "invitation sent" rows: not 10 a line.
    with django_assert_max_num_queries(9):
        result = invitations.invite_many(council=council, lines=lines, invited_by=officer)

    assert len(result.invited) == 40
    assert Email.objects.filter(purpose=Email.Purpose.INVITATION).count() == 40


def test_a_list_that_meets_an_account_made_meanwhile_is_invited_line_by_line(
    officer, council, run_tasks
):
    """Two lines that only the database sees as one address (it ignores case): the three
    inserts are refused, and the list is then invited a line at a time, as when another
    officer invited an address between the check and the insert."""
    lines = [
        invitations.InviteLine(1, "Nia Jones", "Nia@Example.org"),
        invitations.InviteLine(2, "Owen Price", "owen@example.org"),
        invitations.InviteLine(3, "Nia Jones", "nia@example.org"),
    ]

    result = invitations.invite_many(council=council, lines=lines, invited_by=officer)

    assert [line.line for line in result.invited] == [1, 2]
    [skipped] = result.skipped
    assert skipped.line == 3
    assert "has already been invited" in skipped.reason
    assert Invitation.objects.count() == 2
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["nia@example.org", "owen@example.org"]


def test_an_address_of_another_council_is_refused_plainly(
    client, officer, council, other_councillor
):
    client.force_login(officer)

    response = client.post(bulk_url(council), {"pasted": "Chris, chris.councillor@example.org"})

    [skipped] = response.context["result"].skipped
    assert "cannot be invited to this council" in skipped.reason
    assert (
        User.objects.get(email="chris.councillor@example.org").council == other_councillor.council
    )


def test_a_csv_upload_with_a_byte_order_mark_and_headings_is_read(client, officer, council):
    client.force_login(officer)
    content = '\ufeffName,Email address\r\nNia Jones,nia@example.org\r\n"Price, Owen",owen@example.org\r\n'
    upload = SimpleUploadedFile("list.csv", content.encode("utf-8"), content_type="text/csv")

    response = client.post(bulk_url(council), {"csv_file": upload})

    assert [line.full_name for line in response.context["result"].invited] == [
        "Nia Jones",
        "Price, Owen",
    ]
    assert response.context["result"].problems == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "pasted", "Paste a list of councillors, or upload a CSV file"),
        (
            {"csv_file": SimpleUploadedFile("big.csv", b"a, b@example.org\n" * 7000)},
            "csv_file",
            "The file must be 100 KB or smaller. Split the list into parts.",
        ),
        (
            {
                "csv_file": SimpleUploadedFile(
                    "latin.csv", "Siân, sian@example.org".encode("latin-1")
                )
            },
            "csv_file",
            "The file must be a CSV saved as UTF-8 text. Save it again as “CSV UTF-8”.",
        ),
        (
            {
                "pasted": "Nia, nia@example.org",
                "csv_file": SimpleUploadedFile("x.csv", b"Owen, owen@example.org"),
            },
            "__all__",
            "Paste a list or upload a file, not both. Clear one of them and try again.",
        ),
        (
            {"pasted": "\n".join(f"P {i}, p{i}@example.org" for i in range(501))},
            "__all__",
            "Invite up to 500 councillors at a time.",
        ),
    ],
)
def test_a_list_that_cannot_be_used_at_all_is_refused_with_a_plain_reason(
    client, officer, council, data, field, message
):
    client.force_login(officer)

    response = client.post(bulk_url(council), data)

    assert response.context["form"].errors[field] == [message]
    assert 'class="govuk-error-summary' in response.text
    assert not Invitation.objects.exists()


def test_an_admin_invites_a_list_into_the_council_they_chose(client, admin_user, other_council):
    client.force_login(admin_user)

    client.post(bulk_url(other_council), {"pasted": "Nia Jones, nia@example.org"})

    assert User.objects.get(email="nia@example.org").council == other_council


def test_invite_many_queues_each_invitations_email_and_each_is_sent_on_its_own(
    council, officer, run_tasks
):
    lines = [
        invitations.InviteLine(1, "Nia Jones", "nia@example.org"),
        invitations.InviteLine(2, "Owen Price", "owen@example.org"),
    ]

    result = invitations.invite_many(council=council, lines=lines, invited_by=officer)

    assert [line.email for line in result.invited] == ["nia@example.org", "owen@example.org"]
    assert set(Email.objects.values_list("state", flat=True)) == {Email.State.QUEUED}
    assert mail.outbox == []
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["nia@example.org", "owen@example.org"]
    assert set(Email.objects.values_list("state", flat=True)) == {Email.State.SENT}
    assert all(not u.is_active for u in User.objects.filter(email__in=["nia@example.org"]))


def test_the_bulk_invite_form_lower_cases_every_address_it_accepts(db):
    upload = SimpleUploadedFile(
        "list.csv", b"Nia Jones, Nia.Jones@Example.ORG\nOwen Price, OWEN@EXAMPLE.ORG\n"
    )
    pasted = BulkInviteForm({"pasted": "Rhys Evans, Rhys.Evans@EXAMPLE.org"})
    uploaded = BulkInviteForm({}, {"csv_file": upload})

    assert pasted.is_valid() and uploaded.is_valid()
    assert [line.email for line in pasted.lines] == ["rhys.evans@example.org"]
    assert [line.email for line in uploaded.lines] == ["nia.jones@example.org", "owen@example.org"]
