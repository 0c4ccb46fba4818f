"""
Who may open what: the three roles, and one `get_<object>_for_<role>` helper per object.

The roles, each read through one function (views, templates and the context processor below
all ask these, never `role`, `is_staff` or `council_id` themselves):

* **councillor** (`is_councillor`): answers the checklist. Admins never answer, whatever their role.
* **officer** (`is_officer`): an officer *of a council*; an officer account not linked to a
  council runs nothing yet.
* **admin** (`is_admin`): `is_staff`; runs every council, but is not an officer of any.

The object rules:

* An assessment is only ever shown to its owner: 404 for everyone else, officers and admins
  included (individual answers are private to their author). So is a next step of it.
* A council's pages: its own officers and admins; officers of other councils get 404, so they
  cannot tell which councils exist; councillors get 403, a page they may never use.
* A shared report: the officers of its author's council, while the author shares it; 404 for
  everyone else, admins included (admins are not officers).
* An invitation: admins, and officers of the invited person's council; 404 for other councils;
  403 for councillors.
* A group is seen by admins, officers of its council and its members, and managed by admins and
  officers of its council. Anyone else gets 404, so a group's existence is not given away to
  other councils; a member who tries to manage gets 403: they know the group exists.
"""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import SimpleLazyObject

from assessments.models import (
    ActionStep,
    Assessment,
    Council,
    CouncillorGroup,
    GroupMembership,
    Invitation,
    User,
)
from assessments.sharing import shared_reports

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class _MemberCount(TypedDict):
        member_count: int

    # A group as the group helpers return it: with its number of members counted.
    GroupWithCount = WithAnnotations[CouncillorGroup, _MemberCount]

# --- Roles ---------------------------------------------------------------------------------


def is_councillor(user) -> bool:
    """Councillors answer the checklist; officers and admins run the service."""
    return user.is_authenticated and user.is_councillor and not user.is_staff


def is_officer(user) -> bool:
    """An officer of a council: an officer account without a council runs nothing yet."""
    return user.is_authenticated and user.is_officer and user.council_id is not None


def is_admin(user) -> bool:
    """The service's admins: staff accounts, whatever their role."""
    return user.is_authenticated and user.is_staff


def _own_council_id(user: User) -> int:
    """The council of an officer (`is_officer` has said so): officers always have one."""
    assert user.council_id is not None
    return user.council_id


def is_officer_of(user, council: Council) -> bool:
    return is_officer(user) and user.council_id == council.pk


def runs_councils(user) -> bool:
    """Admins run every council, officers their own: invitations, dashboards and groups."""
    return is_admin(user) or is_officer(user)


def roles(request) -> dict[str, object]:
    """
    Context processor: the same three answers for templates as for views, each worked out only
    if a template asks (an error page rendered before authentication has no `request.user`,
    and looks nothing up).
    """
    user = getattr(request, "user", None)
    if user is None:
        return {"is_councillor": False, "is_officer": False, "is_admin": False}
    return {
        "is_councillor": SimpleLazyObject(lambda: is_councillor(user)),
        "is_officer": SimpleLazyObject(lambda: is_officer(user)),
        "is_admin": SimpleLazyObject(lambda: is_admin(user)),
    }


# --- Refusals for a role that may never use a page -----------------------------------------


def require_councillor(user) -> None:
    if not is_councillor(user):
        raise PermissionDenied


def require_admin(user) -> None:
    if not is_admin(user):
        raise PermissionDenied


def require_council_runner(user) -> None:
    """Admins and officers of a council; 403 for everyone else."""
    if not runs_councils(user):
        raise PermissionDenied


# --- Assessments ---------------------------------------------------------------------------


def get_assessment_for_owner(user: User, pk: int, *, submitted: bool = False) -> Assessment:
    """
    The user's own assessment; 404 for anyone else's. With `submitted`, 404 for a draft too,
    and the owner's council and the checklist come with it for the report pages.
    """
    queryset = Assessment.objects.filter(owner=user)
    if submitted:
        queryset = queryset.filter(status=Assessment.Status.SUBMITTED).select_related(
            "owner__council", "checklist"
        )
    return get_object_or_404(queryset, pk=pk)


def get_action_step_for_owner(user: User, pk: int) -> ActionStep:
    """A next step with a due date on the user's own submitted assessment; 404 for anyone
    else's, and for a step with no date (there is nothing to put in a calendar)."""
    queryset = ActionStep.objects.select_related("answer__question").filter(
        answer__assessment__owner=user,
        answer__assessment__status=Assessment.Status.SUBMITTED,
        due_date__isnull=False,
    )
    return get_object_or_404(queryset, pk=pk)


# --- Councils and the reports shared with them ---------------------------------------------


def get_council_for_officer(user: User, slug: str) -> Council:
    """A council the user may run: an officer's own, or any for an admin; 404 for others."""
    require_council_runner(user)
    if is_admin(user):
        return get_object_or_404(Council, slug=slug)
    return get_object_or_404(Council, slug=slug, pk=user.council_id)


def get_shared_report_for_officer(user: User, slug: str, pk: int) -> Assessment:
    """A report its author shares with this officer's council; 404 for everything else."""
    council = get_council_for_officer(user, slug)
    if not is_officer_of(user, council):
        raise Http404("Reports are shared with the officers of the author's council only.")
    return get_object_or_404(shared_reports(council), pk=pk)


# --- Invitations ---------------------------------------------------------------------------


def invitations_for_inviter(user: User) -> QuerySet[Invitation]:
    """The invitations the user may see and manage: any for an admin, an officer's council's."""
    require_council_runner(user)
    queryset = Invitation.objects.select_related("user__council", "invited_by")
    if not is_admin(user):
        queryset = queryset.filter(user__council_id=_own_council_id(user))
    return queryset


def get_invitation_for_inviter(user: User, pk: int) -> Invitation:
    """An invitation the user may manage; 404 for anyone else's council, 403 for councillors."""
    return get_object_or_404(invitations_for_inviter(user), pk=pk)


# --- Groups --------------------------------------------------------------------------------


def can_manage_group(user: User, group: CouncillorGroup) -> bool:
    return is_admin(user) or (is_officer(user) and user.council_id == group.council_id)


def groups_for_user(user: User) -> QuerySet[CouncillorGroup]:
    """The groups the user may see: any for an admin, an officer's council's, a member's own."""
    if is_admin(user):
        return CouncillorGroup.objects.all()
    if is_officer(user):
        return CouncillorGroup.objects.filter(council_id=_own_council_id(user))
    # A subquery, not a join: joining on the member's own row would make a count of members
    # count that one row.
    return CouncillorGroup.objects.filter(
        pk__in=GroupMembership.objects.filter(user=user).values("group")
    )


def _groups_with_details() -> "QuerySet[GroupWithCount]":
    return CouncillorGroup.objects.select_related("council", "checklist", "facilitator").annotate(
        member_count=Count("memberships", distinct=True)
    )


def get_group_for_member(user: User, pk: int) -> "GroupWithCount":
    """A group the user may see (see the module docstring); 404 for anyone else."""
    queryset = _groups_with_details()
    if is_admin(user):
        return get_object_or_404(queryset, pk=pk)
    if is_officer(user):
        return get_object_or_404(queryset, pk=pk, council_id=user.council_id)
    is_member = GroupMembership.objects.filter(group=OuterRef("pk"), user=user)
    return get_object_or_404(
        queryset.filter(Exists(is_member), council_id=user.council_id or -1), pk=pk
    )


def get_group_for_manager(user: User, pk: int) -> "GroupWithCount":
    """A group the user may manage; 404 as `get_group_for_member`, 403 for a member."""
    group = get_group_for_member(user, pk)
    if not can_manage_group(user, group):
        raise PermissionDenied
    return group
