from django.conf import settings
from django.utils.translation import gettext


def service(request):
    """The service name in the page's language, for the header, page titles and PDFs (the
    catalogue translates it as the message "Key Actions for Innovation")."""
    return {"service_name": gettext(settings.SERVICE_NAME)}
