"""
Every page of the service, in its normal and its error state, for each role.

A tour is a generator: it drives the browser to a page state, yields a short name for it, and
the test checks the page before asking for the next one. The axe, 320 px and focus tests all
walk the same tours, so a page added here is checked three ways. Tours reach pages the way a
person does (forms are filled in and sent) wherever that is cheap, and go straight to a URL
where it is not.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page

from assessments import invitations
from assessments.answering import assessment_submit
from assessments.models import (
    ActionStep,
    Answer,
    Assessment,
    CouncillorGroup,
    GroupMembership,
    User,
)
from assessments.sharing import report_share
from tests.browser.helpers import heading, sign_in
from tests.builders import answer_all
from tests.email_helpers import send_invitation
from tests.group_helpers import build_group

# A mix with gaps of both kinds, research priorities among them, and a "Not sure".
MIXED_ANSWERS = {
    "take-calculated-risks": "partly",
    "communicate-the-need": "partly",
    "select-priority-areas": "not-yet",
    "devote-resources": "not-yet",
    "monitor-progress": "partly",
    "space-to-test": "not-sure",
}


@dataclass
class Cast:
    councillor: User
    officer: User
    admin: User
    submitted: Assessment
    invitation_token: str
    group: CouncillorGroup
    shared: Assessment  # another councillor's, shared with the officers


def make_cast(*, councillor: User, officer: User, admin: User) -> Cast:
    """The councillor has submitted one assessment, with a next step planned on one gap; an
    officer has invited a new councillor who has not yet set a password; the councillor sits in
    a group where enough other members have submitted for its report to show."""
    submitted = Assessment.objects.create(owner=councillor, checklist=_published())
    answer_all(submitted, MIXED_ANSWERS)
    submitted = assessment_submit(assessment=submitted, revision=submitted.revision)
    ActionStep.objects.create(
        answer=Answer.objects.get(assessment=submitted, question__code="devote-resources"),
        what="Ask the cabinet to ring-fence time for the two priority projects",
        lead="Leader of the council",
    )
    token = send_invitation(
        invitations.invitation_create(
            council=councillor.council,
            full_name="Kim Newcomer",
            email="kim.newcomer@example.org",
            invited_by=officer,
        )
    )
    group = build_group(
        councillor.council, submitted.checklist, councillors=5, members=4, submitted=3
    ).group
    GroupMembership.objects.create(group=group, user=councillor)
    shared = Assessment.objects.filter(group=group).first()
    report_share(assessment=shared)
    return Cast(
        councillor=councillor,
        officer=officer,
        admin=admin,
        submitted=submitted,
        invitation_token=token,
        group=group,
        shared=shared,
    )


def _published():
    from assessments.models import ChecklistVersion

    return ChecklistVersion.objects.published()


def _click(page: Page, name: str) -> None:
    """Press a button that sends a form, and wait for the page that comes back (with its
    scripts run: GOV.UK Frontend moves the focus to an error summary when the page loads)."""
    _follow(page, page.get_by_role("button", name=name, exact=True))


def _follow(page: Page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _expect_errors(page: Page) -> None:
    assert page.locator(".govuk-error-summary").count() == 1, f"no error summary on {page.url}"


def anonymous_tour(page: Page, cast: Cast) -> Iterator[str]:
    page.goto(reverse("assessments:start"))
    yield "start page"
    page.goto(reverse("assessments:accessibility"))
    yield "accessibility statement"
    page.goto(reverse("assessments:privacy"))
    yield "privacy notice"

    page.goto(reverse("assessments:sign_in"))
    yield "sign in"
    _click(page, "Sign in")
    _expect_errors(page)
    yield "sign in with nothing entered"

    page.goto(reverse("assessments:password_reset"))
    yield "reset your password"
    _click(page, "Send reset link")
    _expect_errors(page)
    yield "reset your password with nothing entered"
    page.get_by_label("Email address").fill(cast.councillor.email)
    _click(page, "Send reset link")
    assert heading(page) == "Check your email"
    yield "reset link sent"

    uid = urlsafe_base64_encode(force_bytes(cast.councillor.pk))
    token = default_token_generator.make_token(cast.councillor)
    page.goto(reverse("assessments:password_reset_confirm", args=[uid, token]))
    assert heading(page) == "Choose a new password"
    yield "choose a new password"
    page.locator("[name=new_password1]").fill("short")
    page.locator("[name=new_password2]").fill("different")
    _click(page, "Reset password")
    _expect_errors(page)
    yield "choose a new password with errors"
    page.goto(reverse("assessments:password_reset_confirm", args=[uid, "expired-token"]))
    assert heading(page) == "This link has expired or been used"
    yield "password reset link that no longer works"
    page.goto(reverse("assessments:password_reset_complete"))
    yield "password reset complete"

    page.goto(reverse("assessments:accept_invitation", args=[cast.invitation_token]))
    assert heading(page) == "Set your password"
    yield "accept an invitation"
    page.locator("[name=new_password1]").fill("short")
    page.locator("[name=new_password2]").fill("short")
    _click(page, "Set password")
    _expect_errors(page)
    yield "accept an invitation with a password that is too short"
    page.locator("[name=new_password1]").fill("a long and memorable passphrase")
    page.locator("[name=new_password2]").fill("a long and memorable passphrase")
    _click(page, "Set password")
    assert heading(page) == "Your assessments"
    yield "dashboard of a councillor who has just accepted an invitation"
    _click(page, "Sign out")
    page.goto(reverse("assessments:accept_invitation", args=["not-a-real-token"]))
    assert heading(page) == "This invitation link is not valid"
    yield "invitation link that is not valid"

    page.goto("/no-such-page/")
    yield "page not found"

    # Last, because it locks this browser's address out of signing in.
    page.goto(reverse("assessments:sign_in"))
    for _ in range(10):
        page.get_by_label("Email address").fill(cast.councillor.email)
        page.get_by_label("Password", exact=True).fill("not the password at all")
        _click(page, "Sign in")
        if heading(page) == "Too many attempts to sign in":
            break
        _expect_errors(page)
    assert heading(page) == "Too many attempts to sign in"
    yield "locked out after too many failed sign-ins"


def councillor_tour(page: Page, cast: Cast) -> Iterator[str]:
    sign_in(page, cast.councillor.email)
    assert heading(page) == "Your assessments"
    yield "dashboard with a submitted assessment"
    page.goto(reverse("assessments:start"))
    yield "start page, signed in"

    page.goto(reverse("assessments:dashboard"))
    _follow(page, page.get_by_role("button", name="Start a new assessment"))
    assert heading(page) == "Before you start"
    yield "before you start: from last time or blank"
    _click(page, "Start your assessment")
    _expect_errors(page)
    yield "before you start without choosing"
    page.get_by_label("Start from your last answers").check()
    _click(page, "Start your assessment")
    assert heading(page) == "Your assessment"
    yield "task list of a new assessment, with the last plan to review"
    _follow(page, page.locator(".govuk-task-list__link").first)
    assert "Area 1 of 4" in page.content()
    yield "area 1, answers filled in from last time"
    page.get_by_role("textbox").first.fill("x" * 2001)
    _click(page, "Save and continue")
    _expect_errors(page)
    yield "area 1 with a note that is too long"

    draft = Assessment.objects.get(owner=cast.councillor, status=Assessment.Status.DRAFT)
    page.goto(reverse("assessments:last_plan", args=[draft.pk]))
    yield "review your last plan"
    _click(page, "Save and continue")
    _expect_errors(page)
    yield "review your last plan with a step left open"
    page.goto(reverse("assessments:check_answers", args=[draft.pk]))
    yield "check your answers"
    _click(page, "Submit assessment")
    _expect_errors(page)
    yield "check your answers after submitting with answers unconfirmed"
    page.goto(reverse("assessments:dashboard"))
    yield "dashboard with a draft and a submitted assessment"

    page.goto(reverse("assessments:assessment_detail", args=[cast.submitted.pk]))
    yield "a submitted assessment, read-only"
    page.goto(reverse("assessments:confirmation", args=[cast.submitted.pk]))
    yield "assessment submitted: the confirmation"
    page.goto(reverse("assessments:report", args=[cast.submitted.pk]))
    yield "report"
    _click(page, "Share with officers")
    yield "report, shared with the council's officers"
    _follow(page, page.get_by_role("link", name="Add next step").first)
    yield "add a next step"
    page.get_by_label("What will you do?").fill("")
    page.get_by_label("Year").fill("20")
    _click(page, "Save next step")
    _expect_errors(page)
    yield "add a next step with errors"

    page.goto(reverse("assessments:group_list"))
    yield "your groups"
    page.goto(reverse("assessments:group_detail", args=[cast.group.pk]))
    yield "a group, as a member: link an assessment"
    page.goto(reverse("assessments:group_report", args=[cast.group.pk]))
    yield "group report, as a member"

    page.goto(reverse("assessments:invite"))
    yield "a page a councillor may not see (403)"

    page.goto(reverse("assessments:password_change"))
    yield "change your password"
    _click(page, "Change password")
    _expect_errors(page)
    yield "change your password with nothing entered"
    page.goto(reverse("assessments:password_change_done"))
    yield "password changed"

    page.goto(reverse("assessments:your_data"))
    yield "your data"
    page.goto(reverse("assessments:delete_account"))
    yield "delete your account"
    _click(page, "Delete your account and answers")
    _expect_errors(page)
    yield "delete your account with nothing entered"


def _staff_tour(page: Page, email: str) -> Iterator[str]:
    sign_in(page, email)
    yield "landing page: the council's councillors (officer) or the councils (admin)"
    page.goto(reverse("assessments:invite"))
    yield "invite a councillor, with invitations sent"
    _click(page, "Send invitation")
    _expect_errors(page)
    yield "invite a councillor with nothing entered"


def officer_tour(page: Page, cast: Cast) -> Iterator[str]:
    yield from _staff_tour(page, cast.officer.email)
    council = cast.officer.council.slug
    page.goto(reverse("assessments:bulk_invite", args=[council]))
    yield "invite a list of councillors"
    _click(page, "Send invitations")
    _expect_errors(page)
    yield "invite a list of councillors with nothing entered"
    page.get_by_label("Paste a list").fill(
        "Pat Jones, pat.jones@example.org\nsomeone without an address"
    )
    _click(page, "Send invitations")
    yield "invite a list of councillors: who was invited and what to fix"
    page.goto(reverse("assessments:shared_report", args=[council, cast.shared.pk]))
    yield "a councillor's report shared with the officers"
    yield from _groups_tour(page, cast)


def admin_tour(page: Page, cast: Cast) -> Iterator[str]:
    yield from _staff_tour(page, cast.admin.email)
    page.goto(reverse("assessments:council_dashboard", args=[cast.councillor.council.slug]))
    yield "a council's councillors and their progress"
    page.goto(reverse("assessments:national_overview"))
    yield "national overview"


def _groups_tour(page: Page, cast: Cast) -> Iterator[str]:
    group = cast.group.pk
    page.goto(reverse("assessments:group_list"))
    yield "groups"
    page.goto(reverse("assessments:group_create"))
    yield "create a group"
    _click(page, "Create group")
    _expect_errors(page)
    yield "create a group with nothing entered"
    page.goto(reverse("assessments:group_detail", args=[group]))
    yield "a group, as its manager: members and who has submitted"
    page.goto(reverse("assessments:group_members", args=[group]))
    yield "add members to a group"
    _click(page, "Add members")
    _expect_errors(page)
    yield "add members to a group without choosing any"
    page.goto(reverse("assessments:group_edit", args=[group]))
    yield "change a group's details"
    page.goto(reverse("assessments:group_report", args=[group]))
    yield "group report, as its manager"
    page.goto(reverse("assessments:group_agreement", args=[group, "encourage-creativity"]))
    yield "record the group's agreed answer"
    _click(page, "Save agreed answer")
    _expect_errors(page)
    yield "record the group's agreed answer without choosing one"


TOURS: dict[str, Callable[[Page, Cast], Iterator[str]]] = {
    "anonymous": anonymous_tour,
    "councillor": councillor_tour,
    "officer": officer_tour,
    "admin": admin_tour,
}
