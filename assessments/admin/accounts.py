"""Django admin for councils and accounts."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group as PermissionGroup
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments import access_log, data_rights, invitations, overview_counts, two_factor
from assessments.models import (
    AccessEvent,
    Council,
    CouncilSignIn,
    Invitation,
    SignInIdentity,
    User,
)

# Django's permission groups are not used: admins are superusers, and "groups" in this service
# always means councillor groups. Hiding them keeps the two apart in the admin.
admin.site.unregister(PermissionGroup)
# django-otp's device pages are not used: an admin resets someone's two-factor with the
# accounts' "Reset two-factor" action, and nobody needs another person's device.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class CouncilForm(forms.ModelForm):
    class Meta:
        model = Council
        fields = [
            "name",
            "slug",
            "welsh_first",
            "group_min_responses",
            "require_two_factor_for_officers",
        ]

    def clean_group_min_responses(self):
        # A council may only raise the minimum (the database cannot read the setting).
        minimum = self.cleaned_data["group_min_responses"]
        if minimum is not None and minimum < settings.GROUP_MIN_RESPONSES:
            raise forms.ValidationError(
                f"Enter {settings.GROUP_MIN_RESPONSES} or more, or leave it empty: a council "
                "may raise the service-wide minimum but not lower it."
            )
        return minimum


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    form = CouncilForm
    list_display = [
        "name",
        "slug",
        "welsh_first",
        "group_min_responses",
        "require_two_factor_for_officers",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:  # the access trail: which settings changed, from what to what
            access_log.audit_council_changes(
                actor=request.user,
                council=obj,
                changed={
                    name: (form.initial.get(name), form.cleaned_data.get(name))
                    for name in form.changed_data
                },
            )


class LowerCaseEmailMixin:
    """Admins' account forms store the address lower-cased, as every form does, and refuse one
    that another account has in any case (the database would refuse it too)."""

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class AccountCreationForm(LowerCaseEmailMixin, UserCreationForm):
    """Admins create accounts (councillors included) with a password they pass on."""

    class Meta:
        model = User
        fields = ["email", "full_name", "council", "role"]


class AccountChangeForm(LowerCaseEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["email", "full_name", "council", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "council"]
    list_select_related = ["council"]
    search_fields = ["email", "full_name", "council__name"]
    ordering = ["email"]
    autocomplete_fields = ["council"]
    readonly_fields = ["access_trail"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "council", "role"]}),
        (
            "Permissions",
            {
                "fields": ["is_active", "is_staff", "is_superuser", "user_permissions"],
                "description": "Staff status makes someone an admin of the whole service.",
            },
        ),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
        ("Access trail", {"fields": ["access_trail"]}),
    ]

    @admin.display(description="Changes to this person's access")
    def access_trail(self, user: User) -> str:
        if user.pk is None:
            return "-"
        url = reverse("admin:assessments_accessevent_changelist") + f"?subject__id__exact={user.pk}"
        return format_html('<a href="{}">See who changed what, and when</a>', url)

    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "council", "role", "password1", "password2"],
            },
        ),
    ]

    # Deleting accounts, and moving someone to another council, change the national overview's
    # counts: they go through the services that keep them (the admin runs these in a
    # transaction already; the services open their own too).
    def save_model(self, request, obj, form, change):
        before = User.objects.select_related("council").get(pk=obj.pk) if change else None
        if change and "council" in form.changed_data:
            overview_counts.overview_counts_move(person_id=obj.pk, council_id=obj.council_id)
        super().save_model(request, obj, form, change)
        # The access trail: who changed which of the person's roles, activation or council.
        access_log.audit_account_changes(actor=request.user, before=before, after=obj)

    def delete_model(self, request, obj):
        data_rights.accounts_delete(accounts=User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        data_rights.accounts_delete(accounts=queryset)

    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor (they set it up again at their next sign-in)")
    def reset_two_factor(self, request, queryset):
        count = two_factor.two_factor_reset(request=request, users=queryset)
        self.message_user(request, f"Two-factor reset for {count} account(s).", messages.SUCCESS)


# Every field of an invitation is shown and none can be edited.
INVITATION_FIELDS = ("user", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are made by the service. The token's hash is never shown."""

    list_display = ["user", "council", "invited_by", "created_at", "expires_at", "status"]
    list_filter = ["user__council"]
    list_select_related = ["user__council", "invited_by"]
    search_fields = ["user__email", "user__full_name", "user__council__name"]
    fields = INVITATION_FIELDS
    readonly_fields = INVITATION_FIELDS
    actions = ["resend", "revoke"]

    @admin.display(ordering="user__council__name")
    def council(self, invitation: Invitation):
        return invitation.user.council

    @admin.display(description="Status")
    def status(self, invitation: Invitation) -> str:
        return str(invitations.invitation_status(invitation).label)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send a new invitation (the old link stops working)")
    def resend(self, request, queryset):
        for invitation in queryset.select_related("user__council", "invited_by"):
            try:
                new = invitations.invitation_resend(invitation=invitation, invited_by=request.user)
            except invitations.InvitationError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(
                    request,
                    _("A new invitation to %(email)s is made; its email is queued.")
                    % {"email": new.user.email},
                )

    @admin.action(description="Revoke (the link stops working)")
    def revoke(self, request, queryset):
        for invitation in queryset.select_related("user"):
            try:
                invitations.invitation_revoke(invitation=invitation, by=request.user)
            except invitations.InvitationError as error:
                self.message_user(request, str(error), messages.WARNING)
        self.message_user(request, "The selected unused invitations no longer work.")


# Every field of an access event is shown and none can be edited.
ACCESS_EVENT_FIELDS = ("created_at", "action", "actor", "subject", "council", "group", "details")


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """The audit trail of access (`assessments.access_log`): read-only, for admins. Nobody adds,
    edits or deletes an event, here or anywhere."""

    list_display = ["created_at", "action", "actor", "subject", "council", "group"]
    list_filter = ["action", "council", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["actor", "subject", "council", "group"]
    search_fields = [
        "subject__email",
        "subject__full_name",
        "actor__email",
        "actor__full_name",
    ]
    date_hierarchy = "created_at"
    fields = ACCESS_EVENT_FIELDS
    readonly_fields = ACCESS_EVENT_FIELDS
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CouncilSignIn)
class CouncilSignInAdmin(admin.ModelAdmin):
    """A council's OpenID Connect provider. The client secret is not here: it is the deploy's
    OIDC_CLIENT_SECRET_<COUNCIL SLUG> environment variable (README, "Council sign-in")."""

    list_display = ["council", "enabled", "issuer", "client_id", "allowed_email_domains"]
    list_filter = ["enabled"]
    list_select_related = ["council"]
    autocomplete_fields = ["council"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The access trail: who switched a council's sign-in on or off, or changed its provider.
        access_log.audit_council_changes(
            actor=request.user,
            council=obj.council,
            changed={
                f"sign_in_{name}": (form.initial.get(name), form.cleaned_data.get(name))
                for name in form.changed_data
            },
        )


@admin.register(SignInIdentity)
class SignInIdentityAdmin(admin.ModelAdmin):
    """Accounts linked to their council account. Deleting a link makes the next council
    sign-in match the account by verified email again."""

    list_display = ["user", "issuer", "subject", "linked_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "subject"]
    readonly_fields = ["user", "issuer", "subject", "linked_at"]

    def has_add_permission(self, request):
        return False
