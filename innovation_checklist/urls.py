from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from assessments.urls import operations_urlpatterns

admin.site.site_header = "Key Actions for Innovation: administration"
admin.site.site_title = "Key Actions for Innovation admin"

# The service's pages in English unprefixed (every address as it always was) and in Welsh
# under /cy/: the page's language is its address's. The admin (English only) and the health
# check have no language, so they stay outside.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((operations_urlpatterns, "operations"))),
    *i18n_patterns(path("", include("assessments.urls")), prefix_default_language=False),
]

# Refusals are logged as security events; 400, 404 and 500 use Django's own views and our
# templates, which show nothing about the request.
handler403 = "assessments.views.errors.permission_denied"
