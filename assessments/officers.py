"""
Bulk invitations: an officer invites a list of councillors at once.

(The officers' dashboard is in `assessments.dashboards`, sharing in `assessments.sharing` and
the national overview in `assessments.overview`.)
"""

from dataclasses import dataclass, field

from django.http import HttpRequest

from assessments import invitations
from assessments.models import Council, User

# --- Bulk invitations ----------------------------------------------------------------------


@dataclass(frozen=True)
class InviteLine:
    line: int
    full_name: str
    email: str


@dataclass(frozen=True)
class LineProblem:
    line: int
    text: str
    reason: str


@dataclass
class BulkInviteResult:
    invited: list[InviteLine] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    skipped: list[LineProblem] = field(default_factory=list)  # already invited or with an account


def invite_many(
    *,
    council: Council,
    lines: list[InviteLine],
    invited_by: User,
    request: HttpRequest,
) -> BulkInviteResult:
    """
    Invite every line that is not already known: each address once, in the order given.

    An address with an account (active or only invited) is reported, not invited again; so is
    an address that appears earlier in the same list. Each invitation is created and emailed on
    its own, so one failure never holds back the others.
    """
    result = BulkInviteResult()
    emails = {line.email for line in lines}
    existing = {
        user.email: user
        for user in User.objects.filter(email__in=emails).only("email", "council_id", "is_active")
    }
    first_line: dict[str, int] = {}
    for line in lines:
        text = f"{line.full_name}, {line.email}"
        if line.email in first_line:
            result.skipped.append(
                LineProblem(
                    line.line, text, f"The same email address is on line {first_line[line.email]}."
                )
            )
            continue
        first_line[line.email] = line.line
        user = existing.get(line.email)
        if user is not None:
            result.skipped.append(LineProblem(line.line, text, _known_address(user, council)))
            continue
        try:
            invitation, token = invitations.invitation_create(
                council=council, full_name=line.full_name, email=line.email, invited_by=invited_by
            )
        except invitations.InvitationError as error:
            # Someone invited the same address a moment ago.
            result.skipped.append(LineProblem(line.line, text, str(error)))
            continue
        invitations.invitation_send(invitation=invitation, token=token, request=request)
        result.invited.append(line)
    return result


def _known_address(user: User, council: Council) -> str:
    if user.council_id != council.pk:
        return "This email address cannot be invited to this council. Ask the service administrators for help."
    if user.is_active:
        return "They already have an account. They can sign in, or reset their password."
    return "They have already been invited. To send a new link, use “Send a new invitation” on the dashboard."
