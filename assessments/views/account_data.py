"""
Your data: download everything the service holds about you, or delete your account.

Both act on the signed-in person only; there is nothing here to choose whose data.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import data_rights, exports
from assessments.audit import log_security_event
from assessments.forms.account_data import DeleteAccountForm
from assessments.models import Assessment


@require_safe
def your_data(request):
    """What the download holds, and the way to delete the account."""
    submitted_count = Assessment.objects.filter(
        owner=request.user, status=Assessment.Status.SUBMITTED
    ).count()
    return render(
        request,
        "accounts/data/your_data.html",
        {
            "submitted_count": submitted_count,
            "can_delete": data_rights.can_delete_own_account(request.user),
        },
    )


@require_POST
def download(request):
    """The ZIP. POST, so that no link on another site can start an export in your name."""
    archive = exports.account_data_zip(request.user)
    log_security_event(request, "export", kind="account_data", size=len(archive))
    return exports.account_data_response(archive)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def delete_account(request):
    user = request.user
    if not data_rights.can_delete_own_account(user):
        return render(request, "accounts/data/delete_not_allowed.html", status=403)
    form = DeleteAccountForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        log_security_event(request, "account_deleted")
        data_rights.account_delete(user=user)
        logout(request)
        messages.success(request, _("Your account and your answers have been deleted"))
        return redirect("assessments:start")
    return render(request, "accounts/data/delete_account.html", {"form": form})
