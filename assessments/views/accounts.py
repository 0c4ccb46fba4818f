"""
Signing in and out, passwords, and invitations.

Sign-in, sign-out and the password pages are Django's own views (they handle safe redirects,
`never_cache` and sensitive POST data) given our forms and GOV.UK templates. Invitations are
thin function views over `assessments.invitations`.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from assessments import invitations
from assessments.forms.accounts import (
    AccountPasswordChangeForm,
    AccountPasswordResetForm,
    AccountSetPasswordForm,
    InvitationForm,
    SignInForm,
)
from assessments.models import Invitation, User

# --- Signing in and out --------------------------------------------------------------------

sign_in = auth_views.LoginView.as_view(
    form_class=SignInForm,
    template_name="accounts/sign_in.html",
    redirect_authenticated_user=True,
)

# POST only (Django's LogoutView refuses GET with 405), then back to the start page.
sign_out = auth_views.LogoutView.as_view()


def locked_out(request, original_response=None, credentials=None):
    """django-axes's lock-out response (AXES_LOCKOUT_CALLABLE): a plain page, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


# --- Passwords -----------------------------------------------------------------------------

password_reset = auth_views.PasswordResetView.as_view(
    form_class=AccountPasswordResetForm,
    template_name="accounts/password_reset.html",
    subject_template_name="emails/password_reset_subject.txt",
    email_template_name="emails/password_reset.txt",
    html_email_template_name="emails/password_reset.html",
    extra_email_context={"service_name": settings.SERVICE_NAME},
    success_url=reverse_lazy("assessments:password_reset_done"),
)

password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)

password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=AccountSetPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("assessments:password_reset_complete"),
)

password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)

password_change = auth_views.PasswordChangeView.as_view(
    form_class=AccountPasswordChangeForm,
    template_name="accounts/password_change.html",
    success_url=reverse_lazy("assessments:password_change_done"),
)

password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="accounts/password_change_done.html"
)


# --- Invitations ---------------------------------------------------------------------------


def _check_can_invite(user: User) -> None:
    """Admins invite into any council; officers into their own; nobody else at all."""
    if not (user.is_staff or (user.is_officer and user.council_id)):
        raise PermissionDenied


def _get_invitation_for_user(user: User, pk: int) -> Invitation:
    """An invitation the user may manage; 404 for anyone else's council."""
    _check_can_invite(user)
    invitations_ = Invitation.objects.select_related("user__council")
    if not user.is_staff:
        invitations_ = invitations_.filter(user__council_id=user.council_id or -1)
    return get_object_or_404(invitations_, pk=pk)


@require_http_methods(["GET", "POST"])
def invite(request):
    user = request.user
    _check_can_invite(user)
    data = request.POST if request.method == "POST" else None
    form = InvitationForm(data, choose_council=user.is_staff)
    if request.method == "POST" and form.is_valid():
        council = form.cleaned_data["council"] if user.is_staff else user.council
        try:
            invitation, token = invitations.invitation_create(
                council=council,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                invited_by=user,
            )
        except invitations.InvitationError as error:
            form.add_error("email", str(error))
        else:
            invitations.invitation_send(invitation=invitation, token=token, request=request)
            messages.success(
                request,
                f"Invitation sent to {invitation.user.full_name} at {invitation.user.email}",
            )
            return redirect("assessments:invite")

    sent = Invitation.objects.select_related("user", "invited_by").order_by("-created_at")
    if not user.is_staff:
        sent = sent.filter(user__council_id=user.council_id)
    else:
        sent = sent.select_related("user__council")
    now = timezone.now()
    rows = [(inv, invitations.invitation_status(inv, now=now)) for inv in sent[:50]]
    return render(
        request,
        "accounts/invite.html",
        {"form": form, "rows": rows, "expiry_days": settings.INVITATION_EXPIRY_DAYS},
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
def resend_invitation(request, pk: int):
    invitation = _get_invitation_for_user(request.user, pk)
    try:
        new, token = invitations.invitation_resend(invitation=invitation, invited_by=request.user)
    except invitations.InvitationError as error:
        messages.error(request, str(error))
    else:
        invitations.invitation_send(invitation=new, token=token, request=request)
        messages.success(request, f"A new invitation was sent to {new.user.email}")
    return _back_to_list(request)


@require_POST
def revoke_invitation(request, pk: int):
    invitation = _get_invitation_for_user(request.user, pk)
    try:
        invitations.invitation_revoke(invitation=invitation)
    except invitations.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The invitation to {invitation.user.email} no longer works")
    return _back_to_list(request)


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request, token: str):
    """The emailed link: choose a password, then land on the dashboard, signed in."""
    try:
        invitation = invitations.check_invitation_token(token)
    except invitations.InvitationNotUsable as problem:
        return _invitation_not_usable(request, problem)

    data = request.POST if request.method == "POST" else None
    form = AccountSetPasswordForm(invitation.user, data, for_invitation=True)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(
                token=token, password=form.cleaned_data["new_password1"]
            )
        except invitations.InvitationNotUsable as problem:
            return _invitation_not_usable(request, problem)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your password is set and you are signed in")
        return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(
        request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation}
    )


def _invitation_not_usable(request, problem: invitations.InvitationNotUsable):
    status = 404 if problem.reason == problem.UNKNOWN else 410
    return render(
        request,
        "accounts/invitation_not_usable.html",
        {
            "reason": problem.reason,
            "invitation": problem.invitation,
            "expiry_days": settings.INVITATION_EXPIRY_DAYS,
        },
        status=status,
    )
