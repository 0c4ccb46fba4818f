from django.conf import settings


def service(request):
    """The service name, for the header, page titles and PDFs."""
    return {"service_name": settings.SERVICE_NAME}
