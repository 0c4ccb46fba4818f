from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self):
        # Connects the security log's sign-in receivers (they only log).
        from assessments import audit  # noqa: F401
