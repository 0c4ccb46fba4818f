"""
Headers every response gets, whatever view made it.

* `private_pages_never_cached`: a page sent to a signed-in person may show their answers, notes
  or next steps (or a group's), so none of them is ever stored by a browser or a proxy.
* `permissions_policy`: the browser features the service never uses are switched off.
* `language_remembered`: the language of the pages a person uses is kept on their account and
  in the language cookie; a browser that prefers Welsh starts in Welsh.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import get_language_from_request

from assessments.models import User


def private_pages_never_cached(get_response):
    """
    Every response to a signed-in person is sent with Django's never-cache headers
    (`Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private` and `Expires`),
    so that the back button on a shared council PC, or a cache between, never shows one person's
    answers to the next.

    Done here rather than view by view because a page that forgets would leak: every page a
    signed-in person reaches is covered, error pages and redirects included. Pages for people
    not signed in (the start page, sign-in) show nothing private and keep the browser's default.

    "Signed in" is read as "sends a session cookie": everyone signed in does, and asking for
    `request.user` instead would load the session and the account on pages that never need them
    (a health check, a static page), for a rule that only ever adds headers.
    """

    def middleware(request):
        response = get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            add_never_cache_headers(response)
        return response

    return middleware


def permissions_policy(get_response):
    """Adds `settings.PERMISSIONS_POLICY` as the `Permissions-Policy` header of every response."""
    header = ", ".join(
        f"{feature}=({' '.join(allowed)})"
        for feature, allowed in settings.PERMISSIONS_POLICY.items()
    )

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", header)
        return response

    return middleware


def language_remembered(get_response):
    """
    After LocaleMiddleware (which makes the address's language the active one: English
    unprefixed, Welsh under /cy/) and AuthenticationMiddleware:

    * A signed-in person's `User.language` becomes the language of the service page they used,
      so that every email reaches them in it. It is written only when it differs from the
      account as loaded (no query on an ordinary page), after the view, with one `update()` in
      autocommit: never inside the request's own transaction, so it holds no lock for longer
      than itself. Signing in and accepting an invitation are recorded the same way (the
      response's `request.user` is the person just signed in).
    * The language cookie is kept equal to the page's language, so a choice made with the
      language switch sticks.
    * The first visit to the English start page by a browser that prefers Welsh (its
      Accept-Language), with no language cookie yet, is sent to the Welsh start page.

    Only the service's own pages count: the admin (English only), the health check and an
    address that matches nothing (a 404) change nothing.
    """

    def middleware(request):
        language = translation.get_language()
        if (
            request.method in ("GET", "HEAD")
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and language == settings.LANGUAGE_CODE
            and request.path_info == reverse("assessments:start")
            and get_language_from_request(request) != settings.LANGUAGE_CODE
        ):
            with translation.override(get_language_from_request(request)):
                response = HttpResponseRedirect(reverse("assessments:start"))
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response
        response = get_response(request)
        match = request.resolver_match
        if match is None or match.namespace != "assessments":
            return response
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        # A visitor with no session (no cookie, and not signed in by this request) is nobody
        # signed in: `request.user` is not read for them.
        if request.session.session_key is not None:
            user = request.user
            if user.is_authenticated and user.language != language:
                User.objects.filter(pk=user.pk).update(language=language)
                user.language = language
        return response

    return middleware
