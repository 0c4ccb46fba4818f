"""
Inviting councillors: one at a time, a list at once, and sending again or revoking a link.

Admins invite into any council, officers into their own; councillors get 403. An invitation of
another council answers 404 (`permissions.get_invitation_for_inviter`). Accepting an invitation
is signing in, in `views.accounts`.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import invitations, permissions, ratelimits
from assessments.forms.accounts import InvitationForm
from assessments.forms.invitations import BulkInviteForm
from assessments.views import show_refusal

# Each of these sends email: one client may send only so many (assessments.ratelimits).
limit_invitations = ratelimits.rate_limited(
    ratelimits.INVITATIONS, template="accounts/too_many_invitations.html"
)


@require_http_methods(["GET", "POST"])
@limit_invitations
def invite(request):
    user = request.user
    sent = permissions.invitations_for_inviter(user)  # 403 for anyone who may not invite
    choose_council = permissions.is_admin(user)
    data = request.POST if request.method == "POST" else None
    form = InvitationForm(data, choose_council=choose_council)
    if request.method == "POST" and form.is_valid():
        council = form.cleaned_data["council"] if choose_council else user.council
        try:
            invitation = invitations.invitation_create(
                council=council,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                invited_by=user,
            )
        except invitations.InvitationError as refusal:
            show_refusal(request, refusal, form=form, field="email")
        else:
            _say_the_email_is_queued(request, invitation, done=_("Invitation made"))
            return redirect("assessments:invite")

    now = timezone.now()
    shown = list(sent.order_by("-created_at")[:50])
    accepted = invitations.accepted_user_ids({inv.user_id for inv in shown})
    sent_emails = invitations.invitation_emails([inv.pk for inv in shown])
    rows = [
        (
            inv,
            invitations.invitation_status(inv, now=now),
            not inv.user.is_active and inv.user_id not in accepted,  # may be sent a new one
            sent_emails.get(inv.pk),
        )
        for inv in shown
    ]
    return render(
        request,
        "accounts/invite.html",
        {
            "form": form,
            "rows": rows,
            "expiry_days": settings.INVITATION_EXPIRY_DAYS,
            "InvitationStatus": invitations.InvitationStatus,
        },
    )


def _say_the_email_is_queued(request, invitation, *, done: str) -> None:
    """The officer's message after an invitation is made: its email goes in the background."""
    messages.success(
        request,
        _(
            "%(done)s for %(name)s at %(email)s. The email is queued and will be sent in a "
            "moment: its state shows beside their name."
        )
        % {"done": done, "name": invitation.user.full_name, "email": invitation.user.email},
    )


def _back_to_list(request):
    """Back to the page the button was on: the council's dashboard sends `next`."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("assessments:invite")


@require_POST
@limit_invitations
def resend_invitation(request, pk: int):
    invitation = permissions.get_invitation_for_inviter(request.user, pk)
    try:
        new = invitations.invitation_resend(invitation=invitation, invited_by=request.user)
    except invitations.InvitationError as refusal:
        show_refusal(request, refusal)
    else:
        _say_the_email_is_queued(request, new, done=_("A new invitation was made"))
    return _back_to_list(request)


@require_POST
def revoke_invitation(request, pk: int):
    invitation = permissions.get_invitation_for_inviter(request.user, pk)
    try:
        invitations.invitation_revoke(invitation=invitation, by=request.user)
    except invitations.InvitationError as refusal:
        show_refusal(request, refusal)
    else:
        messages.success(
            request,
            _("The invitation to %(email)s no longer works") % {"email": invitation.user.email},
        )
    return _back_to_list(request)


@require_http_methods(["GET", "POST"])
@limit_invitations
def bulk_invite(request, slug: str):
    council = permissions.get_council_for_officer(request.user, slug)
    if request.method == "POST":
        form = BulkInviteForm(request.POST, request.FILES)
    else:
        form = BulkInviteForm()
    result = None
    if request.method == "POST" and form.is_valid():
        result = invitations.invite_many(council=council, lines=form.lines, invited_by=request.user)
        result.problems = form.problems
        # What is left to fix goes back in the box; the rest is done or needs no action.
        form = BulkInviteForm(initial={"pasted": "\n".join(p.text for p in form.problems)})
    return render(
        request,
        "assessments/officers/bulk_invite.html",
        {"council": council, "form": form, "result": result},
    )
