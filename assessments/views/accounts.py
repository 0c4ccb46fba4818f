"""
Signing in and out, passwords, and accepting an invitation.

Sign-in, sign-out and the password pages are Django's own views (they handle safe redirects,
`never_cache` and sensitive POST data) given our forms and GOV.UK templates. Accepting an
invitation is a thin function view over `assessments.invitations`; sending them is in
`views.invitations`.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from assessments import invitations
from assessments.forms.accounts import (
    AccountPasswordChangeForm,
    AccountPasswordResetForm,
    AccountSetPasswordForm,
    SignInForm,
)

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
    status = 404 if problem.reason == problem.Reason.UNKNOWN else 410
    return render(
        request,
        "accounts/invitation_not_usable.html",
        {
            "reason": problem.reason,
            "Reason": invitations.InvitationNotUsable.Reason,
            "invitation": problem.invitation,
            "expiry_days": settings.INVITATION_EXPIRY_DAYS,
        },
        status=status,
    )
