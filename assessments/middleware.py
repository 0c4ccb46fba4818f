"""
Headers every response gets, whatever view made it.

* `private_pages_never_cached`: a page sent to a signed-in person may show their answers, notes
  or next steps (or a group's), so none of them is ever stored by a browser or a proxy.
* `permissions_policy`: the browser features the service never uses are switched off.
"""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


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
