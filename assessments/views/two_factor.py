"""
Two-factor pages: setting up an authenticator app, the code step of signing in, and recovery
codes. Thin views over `assessments.two_factor`, which states the rules.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from assessments import permissions, two_factor
from assessments.forms.two_factor import CodeForm

# Where the recovery codes wait to be shown, once, after they are made.
NEW_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


def _next_url(request) -> str:
    """The page to go on to: `next` if it is ours, else the dashboard."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def setup(request):
    """Scan the QR code (or type the secret), then enter a code from the app to confirm."""
    if permissions.is_councillor(request.user):
        # Councillors are never asked for two-factor: the page is for officers and admins.
        raise PermissionDenied
    if two_factor.needs_code(request.user) and not two_factor.is_verified(request):
        # Replacing an authenticator takes a code from the one there is.
        two_factor.ask_for_code(request)
        return two_factor.code_step(request.get_full_path())
    if request.method == "POST" and not two_factor.setup_pending(request.user):
        # A second submit of a code that already set the app up (a double click): on to the
        # recovery codes the first one made, rather than a fresh key and an error.
        return redirect("assessments:two_factor_recovery_codes")
    device = two_factor.setup_start(user=request.user)
    form = CodeForm(
        request.POST or None,
        button=_("Confirm"),
        hint=_("The 6-digit code your authenticator app shows for this service"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.setup_confirm(
                request=request, user=request.user, code=form.cleaned_data["code"]
            )
        except two_factor.CodeRefused as refusal:
            form.refuse(wait=refusal.wait)
        else:
            request.session[NEW_CODES_SESSION_KEY] = codes
            messages.success(request, _("Two-factor is set up"))
            target = reverse("assessments:two_factor_recovery_codes")
            return redirect(f"{target}?{urlencode({'next': _next_url(request)})}")
    context = {
        "form": form,
        "next": request.GET.get("next", ""),
        "page": two_factor.setup_page(device),
        "has_authenticator": two_factor.needs_code(request.user),
    }
    return render(request, "accounts/two_factor/setup.html", context)


@login_not_required
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """The sign-in's second step: a code from the app, or a recovery code."""
    if two_factor.pending_user(request) is None:
        # Nobody owes a code here (signed in already, or the session ended): start again.
        return redirect_to_login(_next_url(request))
    form = CodeForm(
        request.POST or None,
        button=_("Continue"),
        hint=_("The 6-digit code your authenticator app shows, or one of your recovery codes"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.sign_in_finish(request=request, code=form.cleaned_data["code"])
        except two_factor.CodeRefused as refusal:
            form.refuse(wait=refusal.wait)
        else:
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/two_factor/verify.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """New recovery codes, shown once; POST makes a new set (the old ones stop working)."""
    if permissions.is_councillor(request.user):
        raise PermissionDenied
    if not two_factor.needs_code(request.user):
        return redirect("assessments:two_factor_setup")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = two_factor.recovery_codes_regenerate(
            request=request, user=request.user
        )
        return redirect("assessments:two_factor_recovery_codes")
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    return render(
        request,
        "accounts/two_factor/recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )
