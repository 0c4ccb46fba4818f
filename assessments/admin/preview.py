"""Admin pages for the preview of a draft as a councillor sees it."""

from django.urls import URLPattern


def urls(model_admin) -> list[URLPattern]:
    return []
