"""System checks for settings that Django's own deploy checks do not know about."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


@register(Tags.security, deploy=True)
def check_notify_templates(app_configs, **kwargs) -> list[Error]:
    """
    With GOV.UK Notify as the mailer (`NOTIFY_API_KEY` set), every purpose needs its template
    id: a missing one would make every email of that purpose fail at the moment of sending.
    """
    if not settings.NOTIFY_API_KEY:
        return []
    missing = [purpose for purpose, template in settings.NOTIFY_TEMPLATES.items() if not template]
    return [
        Error(
            f"NOTIFY_API_KEY is set but there is no Notify template id for {purpose!r} emails.",
            hint=f"Set NOTIFY_TEMPLATE_{purpose.upper()} to the id of its template in GOV.UK "
            "Notify (the README lists each template's personalisation fields).",
            id="assessments.E002",
        )
        for purpose in missing
    ]


@register(Tags.security, deploy=True)
def check_notify_welsh_templates(app_configs, **kwargs) -> list[Warning]:
    """
    A Notify template holds its words, so Welsh emails need Welsh templates: without one, that
    purpose's messages to Welsh speakers go out with the English template.
    """
    if not settings.NOTIFY_API_KEY:
        return []
    return [
        Warning(
            f"There is no Welsh Notify template for {purpose!r} emails: Welsh speakers will get "
            "them in English.",
            hint=f"Set NOTIFY_TEMPLATE_{purpose.upper()}_CY to the id of its Welsh template in "
            "GOV.UK Notify (the README lists each template's personalisation fields).",
            id="assessments.W002",
        )
        for purpose, template in settings.NOTIFY_TEMPLATES_WELSH.items()
        if not template
    ]


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[Warning]:
    """
    In production the cache is Redis (`REDIS_URL`): gunicorn runs several workers, and the
    in-memory default is one per worker, so a rate limit would count each worker's requests
    apart (a client would get the limit once per worker) and each PDF would render once per
    worker instead of once.
    """
    backend = settings.CACHES["default"]["BACKEND"]
    if backend == "assessments.cache.FailSoftRedisCache":
        return []
    return [
        Warning(
            f"The default cache is {backend}, which is not shared between processes: rate "
            "limits and rendered PDFs would be kept apart in each gunicorn worker.",
            hint="Set the REDIS_URL environment variable, for example redis://127.0.0.1:6379/0.",
            id="assessments.W001",
        )
    ]
