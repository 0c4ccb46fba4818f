"""The app's URLs plus the floor: a bare Django view returning a fixed page."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from innovation_checklist import urls as project_urls

FLOOR_PAGE = b"<!DOCTYPE html><html lang=en><title>Floor</title><p>A fixed page.</p></html>"


@login_not_required
@require_safe
def floor(request):
    return HttpResponse(FLOOR_PAGE)


# The project's own list, extended rather than included: it holds i18n_patterns (the Welsh
# addresses), which Django allows only in the root URLconf.
urlpatterns = [path("benchmark/floor/", floor), *project_urls.urlpatterns]
