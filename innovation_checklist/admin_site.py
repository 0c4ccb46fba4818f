"""
The admin site: its index and sidebar list what admins use, in sections named in their words
and in the order they use them, not Django's apps in alphabetical order.

A key action (`Question`) is named so by its model, so its own pages say it too; the index and
the sidebar also say "Accounts" for users.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

# (section, [(app_label, object_name, name in admins' words), ...]), in the order of use.
SECTIONS = [
    (
        _("Checklist content"),
        [
            ("assessments", "ChecklistVersion", _("Checklist versions")),
            ("assessments", "Area", _("Areas")),
            ("assessments", "Question", _("Key actions")),
            ("assessments", "Quote", _("Quotes")),
        ],
    ),
    (
        _("Councils and people"),
        [
            ("assessments", "Council", _("Councils")),
            ("assessments", "User", _("Accounts")),
            ("assessments", "Invitation", _("Invitations")),
            ("assessments", "CouncilSignIn", _("Council sign-in (SSO)")),
            ("assessments", "SignInIdentity", _("Council account links")),
            ("assessments", "AccessEvent", _("Access trail")),
        ],
    ),
    (
        _("Background work"),
        [
            ("assessments", "Email", _("Emails")),
            ("django_tasks_database", "DBTaskResult", _("Tasks")),
        ],
    ),
    (
        _("Sign-in security"),
        [
            ("axes", "AccessAttempt", _("Locked-out sign-ins")),
            ("axes", "AccessFailureLog", _("Failed sign-ins")),
            ("axes", "AccessLog", _("Sign-ins")),
        ],
    ),
]


class ServiceAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            # One app's own page lists its models as Django names them.
            return apps
        models = {
            (app["app_label"], model["object_name"]): (app, model)
            for app in apps
            for model in app["models"]
        }
        sections = []
        for section_name, entries in SECTIONS:
            listed = [
                (models.pop((label, object_name)), name)
                for label, object_name, name in entries
                if (label, object_name) in models
            ]
            if not listed:
                continue
            first_app = listed[0][0][0]
            sections.append(
                {
                    **first_app,
                    "name": section_name,
                    "models": [{**model, "name": name} for (_app, model), name in listed],
                }
            )
        # Anything registered later and not placed above still shows, under its app, last.
        for app in apps:
            rest = [m for m in app["models"] if (app["app_label"], m["object_name"]) in models]
            if rest:
                sections.append({**app, "models": rest})
        return sections


class ServiceAdminConfig(AdminConfig):
    default_site = "innovation_checklist.admin_site.ServiceAdminSite"
