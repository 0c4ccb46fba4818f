"""System checks for settings that Django's own deploy checks do not know about."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list[Error]:
    """
    In production `SITE_URL` is an https:// address with a host and nothing after it: links in
    emails are built from it, and the development default (http://127.0.0.1:8000) would send
    every invitation and password reset to a link that works nowhere.
    """
    url = urlsplit(settings.SITE_URL)
    if url.scheme == "https" and url.hostname and not (url.path or url.query or url.fragment):
        return []
    return [
        Error(
            f"SITE_URL is {settings.SITE_URL!r}: links in emails need the service's public "
            "https:// address.",
            hint="Set the SITE_URL environment variable, for example "
            "https://innovation.example.org (scheme and host only).",
            id="assessments.E001",
        )
    ]
