"""
"Sign in with your council account": the email address first, then the council's provider,
then back here (`assessments.sso` has the rules). Password sign-in (views.accounts) is untouched
and stays the fallback on every page here.
"""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods

from assessments import sso, two_factor
from assessments.audit import email_digest, log_security_event
from assessments.forms.sso import CouncilSignInForm


def redirect_uri() -> str:
    """The address the provider sends the person back to, in the page's language (the README
    says to register both): on SITE_URL, never the request's Host header."""
    return settings.SITE_URL + reverse("assessments:sso_callback")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def sso_start(request):
    form = CouncilSignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.sign_in is not None:
        try:
            return sso.sign_in_start(
                request=request,
                sign_in=form.sign_in,
                email=form.cleaned_data["email"],
                redirect_uri=redirect_uri(),
            )
        except sso.SsoProblem as problem:
            log_security_event(
                request,
                "sso_sign_in_refused",
                reason=problem.reason,
                council=form.sign_in.council.slug,
                email_hash=email_digest(form.cleaned_data["email"]),
            )
            return _problem(request, problem)
    response = render(request, "accounts/sso_start.html", {"form": form})
    return _allow_form_to_council_providers(request, response)


def _allow_form_to_council_providers(request, response):
    # The service's policy sends forms only to itself; this page's form ends at a provider.
    config = {**settings.SECURE_CSP, "form-action": [CSP.SELF, *sso.provider_origins()]}
    return csp_override(config)(lambda _request: response)(request)


@login_not_required
@never_cache
@require_GET
def sso_callback(request):
    try:
        signed_in = sso.sign_in_finish(request=request)
    except sso.SsoProblem as problem:
        log_security_event(request, "sso_sign_in_refused", reason=problem.reason)
        return _problem(request, problem)
    login(request, signed_in.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[sso.SESSION_SIGNED_IN_WITH_KEY] = sso.SIGNED_IN_WITH_COUNCIL
    # The council's provider asks for its own second factor: the service does not ask again
    # (Django admin still asks admins for the service's code).
    two_factor.mark_verified_by_provider(request)
    log_security_event(
        request,
        "sso_sign_in",
        user=signed_in.user.pk,
        council=signed_in.council_slug,
        linked_now=signed_in.linked_now,
    )
    return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))


def _problem(request, problem: sso.SsoProblem):
    status = 503 if isinstance(problem, sso.SsoUnavailable) else 403
    return render(request, "accounts/sso_problem.html", {"message": problem.message}, status=status)
