"""
Signing in and out, passwords, and accepting an invitation.

Sign-in, sign-out and the password pages are Django's own views (they handle safe redirects,
`never_cache` and sensitive POST data) given our forms and GOV.UK templates. Accepting an
invitation is a thin function view over `assessments.invitations`; sending them is in
`views.invitations`.
"""

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Sum
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from assessments import invitations, ratelimits, sign_in_links, two_factor
from assessments.access_log import audit_access
from assessments.audit import log_security_event
from assessments.forms.accounts import (
    AccountPasswordChangeForm,
    AccountPasswordResetForm,
    AccountSetPasswordForm,
    SignInForm,
    SignInLinkForm,
    UseSignInLinkForm,
)
from assessments.models import AccessEvent

# --- Signing in and out --------------------------------------------------------------------


class _SignInView(auth_views.LoginView):
    def form_valid(self, form):
        # Someone with an authenticator app is signed in only once they give a code too.
        user = form.get_user()
        if two_factor.needs_code(user):
            two_factor.sign_in_started(self.request, user, backend=user.backend)
            return two_factor.code_step(self.get_success_url())
        response = super().form_valid(form)
        two_factor.after_password_sign_in(self.request, user)
        return response


sign_in = _SignInView.as_view(
    form_class=SignInForm,
    template_name="accounts/sign_in.html",
    redirect_authenticated_user=True,
)

# POST only (Django's LogoutView refuses GET with 405), then back to the start page.
sign_out = auth_views.LogoutView.as_view()


def attempted_account(request, credentials: dict | None = None) -> str | None:
    """
    The account a sign-in attempt is for, as django-axes counts it (AXES_USERNAME_CALLABLE):
    the email address, lower-cased as it is stored. Our sign-in form sends it as `email`, the
    admin's login form as `username`; without this, every admin-login failure would count
    against one nameless account, and a few of them would pause admin sign-in for everybody.
    """
    source = credentials if credentials is not None else request.POST
    email = source.get("email") or source.get("username")
    return email.strip().lower() if email else None


def account_is_paused(email: str | None) -> bool:
    """Whether `email` has had AXES_FAILURE_LIMIT failed sign-ins, from any addresses, within
    AXES_COOLOFF_TIME: the per-account limit (settings.py states the whole rule)."""
    if not email:
        return False
    failures = AccessAttempt.objects.filter(
        username=email, attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def locked_out(request, original_response=None, credentials=None):
    """
    django-axes's lock-out response (AXES_LOCKOUT_CALLABLE): a plain page, status 429, that
    says whether this account is paused (too many failures for it, from anywhere; a password
    reset ends that at once) or sign-in from this address is.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "minutes": minutes,
        "account_paused": account_is_paused(attempted_account(request, credentials)),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


# --- Passwords -----------------------------------------------------------------------------

password_reset = auth_views.PasswordResetView.as_view(
    form_class=AccountPasswordResetForm,
    template_name="accounts/password_reset.html",
    success_url=reverse_lazy("assessments:password_reset_done"),
)
# Each request sends an email: one client may ask for only so many (assessments.ratelimits).
password_reset = ratelimits.rate_limited(
    ratelimits.PASSWORD_RESET, template="accounts/too_many_password_resets.html"
)(password_reset)

password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)


class _PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        # Proof of the mailbox ends any pause on the account (settings.py, django-axes), so
        # someone keeping a known address paused cannot keep its owner out.
        axes_reset(username=attempted_account(self.request, {"email": self.user.email}))
        with transaction.atomic():
            response = super().form_valid(form)
            audit_access(
                action=AccessEvent.Action.PASSWORD_RESET, actor=self.user, subject=self.user
            )
        return response


password_reset_confirm = _PasswordResetConfirmView.as_view(
    form_class=AccountSetPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("assessments:password_reset_complete"),
)

password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


class _PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            user = self.request.user
            audit_access(action=AccessEvent.Action.PASSWORD_CHANGED, actor=user, subject=user)
        return response


password_change = _PasswordChangeView.as_view(
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
        messages.success(request, _("Your password is set and you are signed in"))
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


# --- Sign-in links -------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@ratelimits.rate_limited(ratelimits.SIGN_IN_LINK, template="accounts/too_many_sign_in_links.html")
def sign_in_link(request):
    """Ask for a link by email. Whatever the address, the next page is "Check your email"."""
    form = SignInLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        sign_in_links.sign_in_link_request(request=request, email=form.cleaned_data["email"])
        return redirect("assessments:sign_in_link_sent")
    return render(
        request,
        "accounts/sign_in_link.html",
        {"form": form, "minutes": settings.SIGN_IN_LINK_EXPIRY_MINUTES},
    )


@login_not_required
@require_http_methods(["GET"])
def sign_in_link_sent(request):
    return render(
        request,
        "accounts/sign_in_link_sent.html",
        {"minutes": settings.SIGN_IN_LINK_EXPIRY_MINUTES},
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link_use(request, token: str):
    """The emailed link: a page with a "Sign in" button, which uses the link once."""
    try:
        if request.method == "POST":
            user = sign_in_links.sign_in_link_use(token=token)
        else:
            sign_in_links.check_sign_in_link(token)
    except sign_in_links.SignInLinkNotUsable as problem:
        log_security_event(request, "sign_in_link_failed", reason=problem.reason)
        return _sign_in_link_not_usable(request, problem)
    if request.method == "GET":
        return render(request, "accounts/sign_in_link_use.html", {"form": UseSignInLinkForm()})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))


def _sign_in_link_not_usable(request, problem: sign_in_links.SignInLinkNotUsable):
    status = 404 if problem.reason == problem.Reason.UNKNOWN else 410
    return render(
        request,
        "accounts/sign_in_link_not_usable.html",
        {
            "reason": problem.reason,
            "Reason": sign_in_links.SignInLinkNotUsable.Reason,
            "minutes": settings.SIGN_IN_LINK_EXPIRY_MINUTES,
        },
        status=status,
    )
