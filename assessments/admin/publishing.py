"""Admin pages for copy, compare and publish a version."""

from django.urls import URLPattern


def urls(model_admin) -> list[URLPattern]:
    return []
