from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self):
        # Connects the security log's sign-in receivers (they only log), and registers the
        # deploy check on SITE_URL.
        from assessments import audit, checks  # noqa: F401
