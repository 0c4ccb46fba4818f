from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Key Actions for Innovation: administration"
admin.site.site_title = "Key Actions for Innovation admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("assessments.urls")),
]
