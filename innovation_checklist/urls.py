from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Key Actions for Innovation: administration"
admin.site.site_title = "Key Actions for Innovation admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("assessments.urls")),
]

# Refusals are logged as security events; 400, 404 and 500 use Django's own views and our
# templates, which show nothing about the request.
handler403 = "assessments.views.errors.permission_denied"
