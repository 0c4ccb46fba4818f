from django.urls import path

from assessments.views import pages

app_name = "assessments"

urlpatterns = [
    # Public pages
    path("", pages.start, name="start"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    # Accounts and invitations
    # Dashboard and answering
    # Reports, action plans and PDFs
]
