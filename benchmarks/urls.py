"""The app's URLs plus the floor: a bare Django view returning a fixed page."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

FLOOR_PAGE = b"<!DOCTYPE html><html lang=en><title>Floor</title><p>A fixed page.</p></html>"


@login_not_required
@require_safe
def floor(request):
    return HttpResponse(FLOOR_PAGE)


urlpatterns = [
    path("benchmark/floor/", floor),
    path("", include("innovation_checklist.urls")),
]
