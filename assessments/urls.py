from django.urls import path

from assessments.views import (
    account_data,
    accounts,
    answering,
    checklist,
    dashboards,
    group_papers,
    groups,
    health,
    invitations,
    overview,
    pages,
    reminders,
    reports,
    sharing,
    sso,
    two_factor,
)

app_name = "assessments"

urlpatterns = [
    # Public pages
    path("", pages.start, name="start"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("checklist/", checklist.blank_checklist, name="blank_checklist"),
    path("checklist/pdf/", checklist.blank_checklist_pdf, name="blank_checklist_pdf"),
    # Accounts and invitations
    path("sign-in/", accounts.sign_in, name="sign_in"),
    path("sign-in/council/", sso.sso_start, name="sso_start"),
    path("sign-in/council/callback/", sso.sso_callback, name="sso_callback"),
    path("sign-out/", accounts.sign_out, name="sign_out"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path("password-reset/sent/", accounts.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", accounts.password_reset_complete, name="password_reset_complete"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("account/password/changed/", accounts.password_change_done, name="password_change_done"),
    path("sign-in/code/", two_factor.verify, name="two_factor_verify"),
    path("account/two-factor/", two_factor.setup, name="two_factor_setup"),
    path(
        "account/two-factor/recovery-codes/",
        two_factor.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("invitations/", invitations.invite, name="invite"),
    path("invitations/<int:pk>/resend/", invitations.resend_invitation, name="resend_invitation"),
    path("invitations/<int:pk>/revoke/", invitations.revoke_invitation, name="revoke_invitation"),
    path("invitation/<str:token>/", accounts.accept_invitation, name="accept_invitation"),
    path("sign-in/email-link/", accounts.sign_in_link, name="sign_in_link"),
    path("sign-in/email-link/sent/", accounts.sign_in_link_sent, name="sign_in_link_sent"),
    path("sign-in/email-link/<str:token>/", accounts.sign_in_link_use, name="sign_in_link_use"),
    # Dashboard and answering
    path("dashboard/", answering.dashboard, name="dashboard"),
    path("assessments/start/", answering.assessment_start, name="assessment_start"),
    path("assessments/<int:pk>/", answering.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/areas/<slug:area_code>/", answering.area, name="area"),
    path("assessments/<int:pk>/check/", answering.check_answers, name="check_answers"),
    path("assessments/<int:pk>/last-plan/", answering.last_plan, name="last_plan"),
    path("assessments/<int:pk>/submit/", answering.submit, name="submit"),
    path("assessments/<int:pk>/submitted/", answering.confirmation, name="confirmation"),
    # Reports, action plans and PDFs
    path("assessments/<int:pk>/report/", reports.report, name="report"),
    path("assessments/<int:pk>/report/pdf/", reports.report_pdf, name="report_pdf"),
    path(
        "assessments/<int:pk>/report/next-step/<slug:question_code>/",
        reports.action_step,
        name="action_step",
    ),
    path(
        "assessments/<int:pk>/report/next-step/<slug:question_code>/unfocus/",
        reports.action_step_unfocus,
        name="action_step_unfocus",
    ),
    path(
        "assessments/<int:pk>/report/next-step/<slug:question_code>/delete/",
        reports.action_step_delete,
        name="action_step_delete",
    ),
    path(
        "assessments/<int:pk>/report/carry-over/<int:review_pk>/",
        reports.action_step_carry_over,
        name="action_step_carry_over",
    ),
    path(
        "next-steps/<int:pk>/calendar.ics",
        reminders.action_step_calendar,
        name="action_step_calendar",
    ),
    # Officers, sharing and the national overview
    path("councils/<slug:slug>/", dashboards.council_dashboard, name="council_dashboard"),
    path(
        "councils/<slug:slug>/progress.csv",
        dashboards.council_progress_csv,
        name="council_progress_csv",
    ),
    path("councils/<slug:slug>/remind/", reminders.remind_councillors, name="remind_councillors"),
    path("councils/<slug:slug>/invite-a-list/", invitations.bulk_invite, name="bulk_invite"),
    path(
        "councils/<slug:slug>/shared-reports/<int:pk>/",
        sharing.shared_report,
        name="shared_report",
    ),
    path(
        "councils/<slug:slug>/shared-reports/<int:pk>/pdf/",
        sharing.shared_report_pdf,
        name="shared_report_pdf",
    ),
    path("assessments/<int:pk>/report/share/", sharing.share_report, name="share_report"),
    path("assessments/<int:pk>/report/withdraw/", sharing.withdraw_report, name="withdraw_report"),
    path("national-overview/", overview.national_overview, name="national_overview"),
    # Groups
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_create, name="group_create"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", groups.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/", groups.group_members, name="group_members"),
    path(
        "groups/<int:pk>/members/<int:user_pk>/remove/",
        groups.group_remove_member,
        name="group_remove_member",
    ),
    path("groups/<int:pk>/remind/", groups.group_remind_members, name="group_remind_members"),
    path("groups/<int:pk>/link/", groups.group_link, name="group_link"),
    path("groups/<int:pk>/unlink/<int:assessment_pk>/", groups.group_unlink, name="group_unlink"),
    path("groups/<int:pk>/report/", groups.group_report, name="group_report"),
    path("groups/<int:pk>/report/pdf/", groups.group_report_pdf, name="group_report_pdf"),
    path("groups/<int:pk>/report/csv/", groups.group_report_csv, name="group_report_csv"),
    # A group meeting's papers: the meeting pack, the agreed plan and the projector view
    path(
        "groups/<int:pk>/papers/meeting-pack/",
        group_papers.meeting_pack_pdf,
        name="group_meeting_pack",
    ),
    path(
        "groups/<int:pk>/papers/agreed-plan/",
        group_papers.agreed_plan_pdf,
        name="group_agreed_plan",
    ),
    path("groups/<int:pk>/projector/", group_papers.projector, name="group_projector"),
    path(
        "groups/<int:pk>/projector/<int:screen>/",
        group_papers.projector,
        name="group_projector_screen",
    ),
    path(
        "groups/<int:pk>/report/agreed/<slug:question_code>/",
        groups.group_agreement,
        name="group_agreement",
    ),
    # Your data and your choices
    path("account/email-reminders/", reminders.email_reminders, name="email_reminders"),
    path("account/data/", account_data.your_data, name="your_data"),
    path("account/data/download/", account_data.download, name="your_data_download"),
    path("account/delete/", account_data.delete_account, name="delete_account"),
    # The health check is in `operations_urlpatterns`: it has no language.
]

# Outside the language prefixes (innovation_checklist/urls.py): the load balancer asks for
# /healthz alone, and SECURE_REDIRECT_EXEMPT names that path.
operations_urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
]
