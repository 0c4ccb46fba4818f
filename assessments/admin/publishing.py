"""
Admin pages to copy, compare and publish a checklist version (assessments.versioning).

* Copy (POST only, add permission): a new draft from this version; on to the draft's page.
* What changed (view permission): this version against the published one, or, for the published
  or a retired version, against the one it was copied from.
* Publish (change permission on the draft): a confirmation page with what changed, the drafts
  in progress and what happens to them, and anything that must be fixed first; its form carries
  the published version it compared against, so a publish by someone else meanwhile is refused.
"""

from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assessments.models import Assessment, ChecklistVersion
from assessments.version_changes import VersionChanges, compare_versions
from assessments.versioning import (
    VersioningError,
    checklist_copy_as_draft,
    checklist_publish,
    checklist_publish_problems,
)


def urls(model_admin) -> list[URLPattern]:
    def view(function):
        return model_admin.admin_site.admin_view(partial(function, model_admin=model_admin))

    return [
        path("<int:pk>/copy/", view(copy_view), name="assessments_checklistversion_copy"),
        path("<int:pk>/compare/", view(compare_view), name="assessments_checklistversion_compare"),
        path("<int:pk>/publish/", view(publish_view), name="assessments_checklistversion_publish"),
    ]


class PublishForm(forms.Form):
    # The published version's pk when the confirmation page was drawn; empty if there was none.
    expected_published = forms.IntegerField(required=False, widget=forms.HiddenInput)


def _change_url(checklist: ChecklistVersion) -> str:
    return reverse("admin:assessments_checklistversion_change", args=[checklist.pk])


def _published() -> ChecklistVersion | None:
    return ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()


def _compared_with(checklist: ChecklistVersion) -> ChecklistVersion | None:
    """A draft is compared with the published version; the published or a retired version with
    the one it was copied from."""
    if checklist.status == ChecklistVersion.Status.DRAFT:
        published = _published()
        if published is not None:
            return published
    return checklist.based_on


def _drafts_on(version: ChecklistVersion | None) -> int:
    if version is None:
        return 0
    return Assessment.objects.filter(checklist=version, status=Assessment.Status.DRAFT).count()


def _context(model_admin, request, checklist: ChecklistVersion, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": checklist,
        "title": title,
        **extra,
    }


@require_POST
def copy_view(request, pk: int, *, model_admin):
    checklist = get_object_or_404(ChecklistVersion, pk=pk)
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    copy = checklist_copy_as_draft(checklist=checklist, copied_by=request.user)
    messages.success(
        request,
        _(
            "Version %(number)d copied as draft version %(copy)d. Edit the draft here, look at "
            "what changed, then publish it."
        )
        % {"number": checklist.number, "copy": copy.number},
    )
    return redirect(_change_url(copy))


@require_http_methods(["GET"])
def compare_view(request, pk: int, *, model_admin):
    checklist = get_object_or_404(ChecklistVersion.objects.select_related("based_on"), pk=pk)
    if not model_admin.has_view_permission(request, checklist):
        raise PermissionDenied
    other = _compared_with(checklist)
    changes = compare_versions(old=other, new=checklist) if other is not None else None
    context = _context(
        model_admin,
        request,
        checklist,
        _("What changed in version %(number)d") % {"number": checklist.number},
        changes=changes,
        compared_with=other,
    )
    return TemplateResponse(request, "admin/assessments/publishing/compare.html", context)


@require_http_methods(["GET", "POST"])
def publish_view(request, pk: int, *, model_admin):
    checklist = get_object_or_404(ChecklistVersion, pk=pk)
    if not model_admin.has_change_permission(request, checklist):
        raise PermissionDenied
    if request.method == "POST":
        return _publish(request, checklist)
    if checklist.status != ChecklistVersion.Status.DRAFT:
        messages.info(
            request,
            _("Version %(number)d is %(status)s: only a draft can be published.")
            % {"number": checklist.number, "status": checklist.get_status_display().lower()},
        )
        return redirect(_change_url(checklist))
    published = _published()
    changes: VersionChanges | None = (
        compare_versions(old=published, new=checklist) if published is not None else None
    )
    problems = [
        {
            "message": problem.message,
            "url": reverse(f"admin:assessments_{problem.fix_model}_change", args=[problem.fix_pk]),
        }
        for problem in checklist_publish_problems(checklist=checklist, changes=changes)
    ]
    context = _context(
        model_admin,
        request,
        checklist,
        _("Publish version %(number)d") % {"number": checklist.number},
        changes=changes,
        compared_with=published,
        problems=problems,
        drafts=_drafts_on(published),
        form=PublishForm(initial={"expected_published": published.pk if published else None}),
    )
    return TemplateResponse(request, "admin/assessments/publishing/publish.html", context)


def _publish(request, checklist: ChecklistVersion):
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong with the form. Look again, then publish."))
        return redirect("admin:assessments_checklistversion_publish", pk=checklist.pk)
    previous = _published()
    drafts = _drafts_on(previous)
    try:
        checklist_publish(
            checklist=checklist,
            published_by=request.user,
            expected_published=form.cleaned_data["expected_published"],
        )
    except VersioningError as refusal:
        messages.error(request, refusal.message)
        checklist.refresh_from_db()
        if checklist.status == ChecklistVersion.Status.DRAFT:
            return redirect("admin:assessments_checklistversion_publish", pk=checklist.pk)
        return redirect(_change_url(checklist))
    message = _("Version %(number)d is published: new assessments start on it.") % {
        "number": checklist.number
    }
    if previous is not None and not drafts:
        message += " " + _("Version %(previous)d is retired.") % {"previous": previous.number}
    elif previous is not None:
        message += " " + ngettext(
            "Version %(previous)d is retired; the %(drafts)d draft started on it keeps it.",
            "Version %(previous)d is retired; the %(drafts)d drafts started on it keep it.",
            drafts,
        ) % {"previous": previous.number, "drafts": drafts}
    messages.success(request, message)
    return redirect(_change_url(checklist))
