from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    # The admin's breadcrumbs name the app: one service, not "Assessments".
    verbose_name = "Key Actions for Innovation"

    def ready(self):
        # Connects the security log's sign-in receivers (they only log), registers the deploy
        # checks, and imports each module that registers an email builder
        # (`emails.message_builder`), so that a worker process can build every purpose's message.
        from assessments import (  # noqa: F401
            audit,
            checks,
            emails,
            groups,
            invitations,
            passwords,
            reminders,
            sign_in_links,
        )
