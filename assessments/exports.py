"""
Every download the service offers, with its file name and its response headers.

* an individual report's PDF (its author's own, or a shared one for their council's officers),
  rendered once per change into the shared cache, by a task when the report changes
  (`report_pdf_warm`), so that a download is normally a cache hit;
* a group report's PDF and its CSV of aggregated counts;
* a council's CSV of its councillors' progress (dates and groups, never answers);
* a group meeting's papers: the meeting pack (the agenda with space to write, before the
  meeting) and the agreed plan (after it), each rendered once per change into the shared cache;
* the blank checklist's PDF, to fill in on paper, rendered once per checklist version;
* a person's own data, as a ZIP;
* a next step's due date as an .ics calendar file (attached to its reminder email, and a
  download for its owner).

`download_response` builds every one of their responses: an attachment with its file name, and
headers that keep it out of every cache (a report on a shared computer must not come back from
the browser's cache after sign-out). Views check who may download and call these; nothing else
builds a download response. Rendering HTML to PDF is `assessments.pdf`'s, which reads no database.
"""

import csv
import hashlib
import io
import json
import logging
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from icalendar import Calendar, Event

from assessments import dashboards, data_rights, group_reports, pdf, reports
from assessments.blank_checklist import BlankChecklist
from assessments.models import ActionStep, Assessment, Council, CouncillorGroup, User

logger = logging.getLogger(__name__)

REPORT_TEMPLATE = "assessments/report/report_pdf.html"
GROUP_REPORT_TEMPLATE = "assessments/groups/report_pdf.html"
MEETING_PACK_TEMPLATE = "assessments/groups/papers/meeting_pack_pdf.html"
AGREED_PLAN_TEMPLATE = "assessments/groups/papers/agreed_plan_pdf.html"
BLANK_CHECKLIST_TEMPLATE = "assessments/checklist/blank_checklist_pdf.html"
BLANK_CHECKLIST_STYLESHEET = "print/blank-checklist-print.css"
# Rendered PDFs are cached under a key that changes with the report, so the timeout only bounds
# memory for reports nobody downloads again.
CACHE_TIMEOUT = 60 * 60
# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
ZIP = "application/zip"
CALENDAR = "text/calendar"  # an attachment's type; a download says its charset too


def download_response(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """
    A file to save, never to cache: `Content-Disposition: attachment` with the file name, and
    `Cache-Control: private, no-store` with the rest of Django's never-cache headers.

    An `HttpResponse` with the header `FileResponse(as_attachment=True)` would set (the same
    Django function builds it, non-ASCII names included), because every download here is built
    in memory: there is no file to stream.
    """
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    add_never_cache_headers(response)
    return response


# --- An individual report ------------------------------------------------------------------


def render_report_pdf(report: reports.Report, *, officer_reading: bool = False) -> bytes:
    """The report's PDF; with `officer_reading`, the council's officers' copy of a shared
    report, which speaks of the councillor in the third person, as the shared page does."""
    html = render_to_string(
        REPORT_TEMPLATE,
        {
            "report": report,
            "service_name": _(settings.SERVICE_NAME),
            "officer_reading": officer_reading,
        },
    )
    return pdf.html_to_pdf(html)


def report_pdf_cache_key(assessment: Assessment, *, officer_reading: bool = False) -> str:
    """
    The cache key of a report's PDF, the same for the request and the task that warms it.

    It holds everything a report can change with after submission: the assessment's own last
    change, the latest action-step change and the number of steps, and the owner's name and
    council as printed on every page. Sharing is not in it: the PDF is the same shared or not.
    The officers' copy (`officer_reading`) is cached apart from the owner's, and each language's
    (the active one: the reader's) apart from the other's.
    """
    parts = (
        *reports.last_change(assessment),
        assessment.owner.full_name,
        assessment.owner.council_id,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    reader = "officer" if officer_reading else "owner"
    return f"report-pdf:{assessment.pk}:{reader}:{translation.get_language()}:{digest}"


def report_pdf(assessment: Assessment, *, officer_reading: bool = False) -> bytes:
    """
    The PDF of a submitted assessment's report, rendered once per change: normally already in
    the shared cache (`report_pdf_warm` put it there when the report changed), otherwise
    rendered here and cached for the next download.
    """
    return cached_pdf(
        report_pdf_cache_key(assessment, officer_reading=officer_reading),
        lambda: render_report_pdf(
            reports.build_report(assessment), officer_reading=officer_reading
        ),
    )


def cached_pdf(key: str, render: Callable[[], bytes]) -> bytes:
    """The PDF cached under `key`, or `render()`'s, cached there for the next download."""
    content = cache.get(key)
    if content is not None:
        return content
    # One render per change, not one per process that asks: a render under way elsewhere (the
    # warming task, or another server's download) marks the key, and a download that finds the
    # mark waits for its result instead of rendering the same PDF beside it. Bounded: if the
    # result does not come, it renders itself. A cache that cannot be read shows no mark, so a
    # Redis that is down never makes anyone wait.
    marker = f"{key}:rendering"
    if cache.get(marker) is not None:
        content = _wait_for(key, seconds=settings.REPORT_PDF_WAIT)
        if content is not None:
            return content
    cache.set(marker, 1, max(1, round(settings.REPORT_PDF_WAIT)))
    try:
        content = render()
        cache.set(key, content, CACHE_TIMEOUT)
    finally:
        cache.delete(marker)
    return content


def cached_html_pdf(prefix: str, html: str, **pdf_options) -> bytes:
    """
    The PDF of `html`, cached under `prefix` and a digest of the HTML itself: it changes with
    everything the PDF prints and with nothing else, so a download of an unchanged paper costs
    its HTML, not a render. For PDFs no task warms (the report's own key is built from what it
    depends on instead, so the warming task can find it without rendering the HTML). The key
    names the active language too (the HTML differs with it anyway): a Welsh reader and an
    English one of the same paper each get, and cache, their own language's PDF.
    """
    digest = hashlib.sha256(html.encode()).hexdigest()
    return cached_pdf(
        f"{prefix}:{translation.get_language()}:{digest}",
        lambda: pdf.html_to_pdf(html, **pdf_options),
    )


def _wait_for(key: str, *, seconds: float) -> bytes | None:
    """The cached value of `key` once another process has put it there, polling a few times a
    second for up to `seconds`; None if it never came."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if (content := cache.get(key)) is not None:
            return content
    return None


@task
def report_pdf_warm(assessment_id: int) -> None:
    """
    Render a submitted report's PDF into the shared cache, so that "Download PDF" is a hit.

    Idempotent: a report already cached is not rendered again. An assessment deleted since, or
    not submitted (nothing to download), ends the task quietly, with a log line.
    """
    assessment = Assessment.objects.select_related("owner").filter(pk=assessment_id).first()
    if assessment is None:
        logger.info("PDF warming: assessment %s no longer exists", assessment_id)
        return
    if not assessment.is_submitted:
        logger.info("PDF warming: assessment %s is not submitted", assessment_id)
        return
    # In the language its owner uses the service in: the one they will download.
    with translation.override(assessment.owner.language or settings.LANGUAGE_CODE):
        report_pdf(assessment)


def report_pdf_warm_on_commit(assessment_id: int) -> None:
    """Warm the report's PDF once the change being made now is committed. Robust: a queue that
    cannot take the task only means the next download renders the PDF itself."""
    transaction.on_commit(lambda: report_pdf_warm.enqueue(assessment_id), robust=True)


def report_filename(assessment: Assessment) -> str:
    name = slugify(assessment.owner.full_name) or "councillor"
    day = timezone.localdate(assessment.submitted_at)
    return f"innovation-gap-report-{name}-{day:%Y-%m-%d}.pdf"


def report_pdf_response(assessment: Assessment, *, officer_reading: bool = False) -> HttpResponse:
    return download_response(
        report_pdf(assessment, officer_reading=officer_reading),
        filename=report_filename(assessment),
        content_type=PDF,
    )


# --- A group's report ----------------------------------------------------------------------


def _group_slug(group: CouncillorGroup) -> str:
    return slugify(group.name)[:60].strip("-") or "group"


def group_pdf_filename(group: CouncillorGroup, day: date) -> str:
    return f"innovation-group-report-{_group_slug(group)}-{day:%Y-%m-%d}.pdf"


def group_csv_filename(group: CouncillorGroup, day: date) -> str:
    return f"innovation-group-answers-{_group_slug(group)}-{day:%Y-%m-%d}.csv"


def group_report_pdf_response(report: group_reports.GroupReport) -> HttpResponse:
    today = timezone.localdate()
    html = render_to_string(
        GROUP_REPORT_TEMPLATE,
        {"report": report, "today": today, "service_name": _(settings.SERVICE_NAME)},
    )
    return download_response(
        pdf.html_to_pdf(html), filename=group_pdf_filename(report.group, today), content_type=PDF
    )


def group_report_csv_response(report: group_reports.GroupReport) -> HttpResponse:
    out = io.StringIO()
    write_csv(out, report)
    return download_response(
        out.getvalue(),
        filename=group_csv_filename(report.group, timezone.localdate()),
        content_type=CSV,
    )


def write_csv(out, report: group_reports.GroupReport) -> None:
    """The aggregated counts per key action: no names, and no cell a spreadsheet would run."""
    writer = csv.writer(out)
    labels = [o.label for o in report.scale]
    writer.writerow(
        [
            _("Group"),
            _("Council"),
            _("Checklist version"),
            _("Area"),
            _("Key action code"),
            _("Key action"),
            _("Research priority"),
            *labels,
            _("Members who answered"),
            _("Disagreement (%)"),
            _("Shared gap"),
            _("Agreed answer"),
        ]
    )
    group = report.group
    yes = pgettext("a yes or no cell of a CSV file", "Yes")
    no = pgettext("a yes or no cell of a CSV file", "No")
    for area in report.areas:
        for row in area.questions:
            writer.writerow(
                [
                    neutralise(cell)
                    for cell in (
                        group.name,
                        group.council.name,
                        report.checklist.number,
                        area.area.title,
                        row.code,
                        row.question.summary,
                        yes if row.question.is_research_priority else no,
                        *(c.count for c in row.counts),
                        row.answered,
                        "" if row.disagreement_percent is None else row.disagreement_percent,
                        yes if row.is_shared_gap else no,
                        row.agreement.option.label
                        if row.agreement and row.agreement.option
                        else "",
                    )
                ]
            )


def neutralise(value):
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# --- A council's councillors' progress -------------------------------------------------------


def council_progress_filename(council: Council, day: date) -> str:
    return f"councillor-progress-{council.slug}-{day:%Y-%m-%d}.csv"


def council_progress_csv_response(
    council: Council, rows: list[dashboards.CouncillorRow], groups_of: dict[int, list[str]]
) -> HttpResponse:
    out = io.StringIO()
    write_council_progress_csv(out, rows, groups_of)
    return download_response(
        out.getvalue(),
        filename=council_progress_filename(council, timezone.localdate()),
        content_type=CSV,
    )


def _day(moment) -> str:
    return f"{timezone.localdate(moment):%Y-%m-%d}" if moment else ""


def write_council_progress_csv(
    out, rows: list[dashboards.CouncillorRow], groups_of: dict[int, list[str]]
) -> None:
    """
    One row per councillor, as the officers' dashboard lists them: when they were invited (the
    latest invitation), last signed in, started the draft in progress and submitted (every
    submission, newest first), and their groups. Never an answer, a note or a score; no cell a
    spreadsheet would run.
    """
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Name"),
            _("Email"),
            _("Invited"),
            _("Last signed in"),
            _("Draft started"),
            _("Submitted"),
            _("Groups"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                neutralise(cell)
                for cell in (
                    row.user.full_name,
                    row.user.email,
                    _day(row.invitation.created_at if row.invitation else None),
                    _day(row.user.last_login),
                    _day(row.draft_started),
                    "; ".join(_day(a.submitted_at) for a in row.submitted),
                    "; ".join(groups_of.get(row.user.pk, [])),
                )
            ]
        )


# --- A group meeting's papers --------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """A key action the group agreed something on, and its number on the agenda, if any."""

    row: group_reports.QuestionRow
    agenda_number: int | None


def agreed_plan_rows(report: group_reports.GroupReport) -> tuple[PlanRow, ...]:
    """
    The key actions with an agreed answer or an agreed action: those on the agenda first, in
    agenda order, then the rest in leaflet order (the order of `report.questions`). An
    agreement with neither (only a note) has nothing to act on and is left out.
    """
    numbers = {item.row.code: item.number for item in report.agenda}
    agreed = [
        PlanRow(row, numbers.get(row.code))
        for row in report.questions
        if row.agreement is not None and (row.agreement.option or row.agreement.action_what)
    ]
    # A stable sort: the rows off the agenda keep their leaflet order.
    return tuple(sorted(agreed, key=lambda r: (r.agenda_number is None, r.agenda_number or 0)))


def meeting_pack_filename(group: CouncillorGroup, day: date) -> str:
    return f"innovation-meeting-pack-{_group_slug(group)}-{day:%Y-%m-%d}.pdf"


def agreed_plan_filename(group: CouncillorGroup, day: date) -> str:
    return f"innovation-agreed-plan-{_group_slug(group)}-{day:%Y-%m-%d}.pdf"


def group_paper_pdf(kind: str, group: CouncillorGroup, html: str) -> bytes:
    """
    One of a group's papers, rendered once per change and kept in the shared cache.

    The key holds a digest of the HTML it is rendered from, so it changes with everything
    the paper prints and with nothing else: an agreement recorded or changed, the group's name,
    dates, status or agenda size, the members counted, the council's name, a facilitator
    prompt, the day in the footer, a new template. Each download of an unchanged paper costs
    the report's queries and its HTML (a few milliseconds), not the PDF.
    """
    return cached_html_pdf(f"group-{kind}-pdf:{group.pk}", html)


def meeting_pack_html(report: group_reports.GroupReport, *, today: date) -> str:
    return render_to_string(
        MEETING_PACK_TEMPLATE,
        {
            "report": report,
            "agenda": report.agenda if report.is_shown else (),
            "today": today,
            "service_name": _(settings.SERVICE_NAME),
        },
    )


def agreed_plan_html(report: group_reports.GroupReport, *, today: date) -> str:
    return render_to_string(
        AGREED_PLAN_TEMPLATE,
        {
            "report": report,
            "plan": agreed_plan_rows(report) if report.is_shown else (),
            "today": today,
            "service_name": _(settings.SERVICE_NAME),
        },
    )


def meeting_pack_pdf_response(report: group_reports.GroupReport) -> HttpResponse:
    today = timezone.localdate()
    html = meeting_pack_html(report, today=today)
    return download_response(
        group_paper_pdf("meeting-pack", report.group, html),
        filename=meeting_pack_filename(report.group, today),
        content_type=PDF,
    )


def agreed_plan_pdf_response(report: group_reports.GroupReport) -> HttpResponse:
    today = timezone.localdate()
    html = agreed_plan_html(report, today=today)
    return download_response(
        group_paper_pdf("agreed-plan", report.group, html),
        filename=agreed_plan_filename(report.group, today),
        content_type=PDF,
    )


# --- The blank checklist -------------------------------------------------------------------


def blank_checklist_pdf(content: BlankChecklist) -> bytes:
    """
    The blank checklist's PDF, rendered once per checklist version and kept in the shared cache.

    The key holds the version's number and a digest of the HTML it is rendered from: a version
    edited before anyone answered it, or a new template, gets a new PDF, while each download of
    an unchanged one costs the HTML (a few milliseconds), not the PDF.
    """
    html = render_to_string(
        BLANK_CHECKLIST_TEMPLATE, {"content": content, "service_name": _(settings.SERVICE_NAME)}
    )
    return cached_html_pdf(
        f"blank-checklist-pdf:{content.checklist.number}",
        html,
        stylesheet=BLANK_CHECKLIST_STYLESHEET,
    )


def blank_checklist_filename(content: BlankChecklist) -> str:
    return f"key-actions-for-innovation-checklist-version-{content.checklist.number}.pdf"


def blank_checklist_pdf_response(content: BlankChecklist) -> HttpResponse:
    return download_response(
        blank_checklist_pdf(content),
        filename=blank_checklist_filename(content),
        content_type=PDF,
    )


# --- A person's own data -------------------------------------------------------------------


def account_data_zip(user: User) -> bytes:
    """A ZIP of `data.json` and, under `reports/`, the PDF of each submitted report."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        data = data_rights.account_data(user)
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        submitted = reports.submitted_assessments().filter(owner=user)
        for assessment in submitted.order_by("submitted_at", "pk"):
            # The date in the report's own file name is not unique: prefix the assessment's id.
            name = f"reports/{assessment.pk}-{report_filename(assessment)}"
            archive.writestr(name, report_pdf(assessment))
    return buffer.getvalue()


def account_data_filename() -> str:
    return f"your-data-{timezone.localdate():%Y-%m-%d}.zip"


def account_data_response(archive: bytes) -> HttpResponse:
    return download_response(archive, filename=account_data_filename(), content_type=ZIP)


# --- A next step in a calendar -------------------------------------------------------------


def step_calendar(step: ActionStep, *, url: str) -> bytes:
    """
    The step as one all-day event on its due date (RFC 5545): summary what will be done, the
    description who leads it and where progress is reported, `url` its report.

    The UID is the step's own, so a calendar given the file twice (the email's, then the
    download) updates one event rather than adding a second; a new due date moves it.
    """
    assert step.due_date is not None
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SERVICE_NAME}//Next steps//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"next-step-{step.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", step.due_date)
    event.add("dtend", step.due_date + timedelta(days=1))  # all-day: DTEND is the day after
    event.add("summary", step.what)
    lines = []
    if step.lead:
        lines.append(_("Who leads it: %(lead)s") % {"lead": step.lead})
    if step.reported_to:
        lines.append(_("Where progress will be reported: %(where)s") % {"where": step.reported_to})
    lines.append(_("Your report: %(url)s") % {"url": url})
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("transp", "TRANSPARENT")  # a reminder, not time the person is busy
    calendar.add_component(event)
    return calendar.to_ical()


def step_calendar_filename(step: ActionStep) -> str:
    assert step.due_date is not None
    return f"step-reminder-{step.due_date:%Y-%m-%d}.ics"


def step_calendar_response(step: ActionStep, *, url: str) -> HttpResponse:
    return download_response(
        step_calendar(step, url=url),
        filename=step_calendar_filename(step),
        content_type=f"{CALENDAR}; charset=utf-8",
    )
