"""
The admin site: its index and sidebar list what admins use, in sections named in their words
and in the order they use them, not Django's apps in alphabetical order.

A key action (`Question`) is named so by its model, so its own pages say it too; the index and
the sidebar also say "Accounts" for users.
"""

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

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
    def has_permission(self, request):
        # Admins need two-factor for Django admin: a session that gave a code (django-otp).
        return super().has_permission(request) and request.user.is_verified()

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # A signed-in admin without a code for this session: to set-up, or to give one.
        from assessments import two_factor  # the models are not loaded when this module is

        if request.user.is_authenticated and request.user.is_staff:
            next_url = request.GET.get("next") or reverse("admin:index")
            if request.user.is_verified():
                return redirect(next_url)
            if two_factor.needs_code(request.user):
                two_factor.ask_for_code(request)
                return two_factor.code_step(next_url)
            messages.info(
                request, _("Django admin needs two-factor. Set it up here, then you will go on.")
            )
            return two_factor.setup_step(next_url)
        response = super().login(request, extra_context)
        if request.user.is_authenticated and two_factor.needs_code(request.user):
            # A good password on admin's own login form: not signed in until the code is given.
            next_url = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
            two_factor.ask_for_code(request)
            return two_factor.code_step(next_url)
        return response

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
