"""
The Welsh of the group, officer and overview pages, from the service's catalogue
(locale/cy/LC_MESSAGES/django.po, compiled by scripts/setup): those pages and forms render in Welsh under
`translation.override("cy")`, and the English sentences they mark are gone.
"""

import datetime
import html
import io

import pytest
from django.urls import reverse

from assessments import exports, group_reports
from assessments.forms.action_plan import DueDateField
from assessments.forms.invitations import BulkInviteForm
from assessments.invitations import InvitationNotUsable
from tests.group_helpers import build_group
from tests.welsh_helpers import welsh as welsh_active


@pytest.fixture
def welsh():
    with welsh_active():
        yield


def get(client, name: str, *args) -> str:
    response = client.get(reverse(f"assessments:{name}", args=args))
    assert response.status_code == 200
    return response.content.decode()


def check(page: str, welsh: list[str], english: list[str]) -> None:
    page = html.unescape(page)
    for text in welsh:
        assert text in page, text
    for text in english:
        assert text not in page, text


def test_group_pages_for_its_officer_in_welsh(welsh, client, checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer)
    client.force_login(officer)
    manage = get(client, "group_detail", setup.group.pk)
    check(
        manage,
        [
            "Beth i’w wneud nesaf",
            "Dyddiad y cyfarfod",
            "Gweld adroddiad y grŵp",
            "Ychwanegu aelodau",
        ],
        ["What to do next", "View group report", "The group has no members yet."],
    )
    report = get(client, "group_report", setup.group.pk)
    check(
        report,
        [
            "Adroddiad y grŵp: Cabinet",
            "Agenda ar gyfer trafodaeth",
            "Sut mae’r adroddiad hwn yn gweithio",
            "Ffigur y grŵp ym mhob maes",
            "Papurau ar gyfer y cyfarfod",
            "Lawrlwytho PDF",
            "Lawrlwytho CSV",
        ],
        [
            "Group report: Cabinet",
            "Agenda for discussion",
            "How this report works",
            "The group’s figure in each area",
            "All key actions",
            "Download PDF",
            "Figures recorded",
        ],
    )
    projector = get(client, "group_projector", setup.group.pk)
    check(projector, ["Cabinet: agenda", "Neidio i’r prif gynnwys"], ["Skip to main content"])
    groups_list = get(client, "group_list")
    check(
        groups_list,
        ["Creu grŵp", "12 aelod"],
        ["Create a group", "12 members", "A group – a cabinet"],
    )
    form = get(client, "group_create")
    check(form, ["Enw’r grŵp", "Creu’r grŵp"], ["Group name", "Create group"])
    errors = client.post(reverse("assessments:group_create"), {"name": ""}).content.decode()
    check(errors, ["Rhowch enw’r grŵp"], ["Enter the group's name"])


def test_group_pages_for_a_member_in_welsh(welsh, client, checklist, council):
    setup = build_group(council, checklist, discuss=False)
    client.force_login(setup.members[0])
    page = get(client, "group_detail", setup.group.pk)
    check(
        page,
        ["Eich asesiad ar gyfer y grŵp hwn", "Beth all eraill mewn grŵp bach ei ddweud"],
        [
            "Your assessment for this group",
            "What others in a small group can tell",
            "You answer privately",
        ],
    )
    report = get(client, "group_report", setup.group.pk)
    check(
        report,
        ["Mae’r grŵp yn dal i gasglu atebion", "Mae 12 aelod wedi cyflwyno"],
        ["The group is still collecting answers", "12 members have submitted"],
    )


def test_officer_dashboard_and_bulk_invite_in_welsh(welsh, client, checklist, council, officer):
    build_group(council, checklist)
    client.force_login(officer)
    dashboard = get(client, "council_dashboard", council.slug)
    check(
        dashboard,
        ["Cynghorwyr", "30 cynghorydd i gyd", "Gwahodd cynghorydd", "Cyflwynwyd"],
        ["30 councillors in all", "Invite a councillor", "No councillors yet."],
    )
    page = get(client, "bulk_invite", council.slug)
    check(page, ["Gwahodd rhestr o gynghorwyr", "Gludo rhestr"], ["Paste a list", "We will email"])
    result = client.post(
        reverse("assessments:bulk_invite", args=[council.slug]),
        {"pasted": "Alex Morgan\nalex@example.org, Sam Jones\n"},
    ).content.decode()
    check(
        result,
        ["Llinellau i’w cywiro", "Rhowch goma rhwng yr enw a’r cyfeiriad e-bost."],
        ["Lines to correct", "Put a comma between the name and the email address."],
    )


def test_national_overview_in_welsh(welsh, client, checklist, council, admin_user):
    build_group(council, checklist)
    client.force_login(admin_user)
    overview = get(client, "national_overview")
    check(
        overview,
        ["Trosolwg cenedlaethol", "Pob cyngor", "12 ateb"],
        ["National overview", "All councils", "12 answers", "Research priority"],
    )
    councils = get(client, "dashboard")
    check(councils, ["Ar draws pob cyngor"], ["Across all councils"])


def test_papers_and_csv_in_welsh(welsh, checklist, council, officer):
    report = group_reports.build_group_report(
        build_group(council, checklist, facilitator=officer).group
    )
    today = datetime.date(2027, 1, 12)
    pack = exports.meeting_pack_html(report, today=today)
    check(
        pack,
        ["Pecyn y cyfarfod: Cabinet", "Cwestiynau i’w trafod", "Pam, mewn brawddeg"],
        ["Meeting pack: Cabinet", "Questions to discuss", "Why, in a sentence"],
    )
    plan = exports.agreed_plan_html(report, today=today)
    check(
        plan, ["Cynllun y cytunwyd arno: Cabinet", "Dim wedi’i gytuno eto"], ["Nothing agreed yet"]
    )
    out = io.StringIO()
    exports.write_csv(out, report)
    header, first = out.getvalue().splitlines()[:2]
    assert header.startswith("Grŵp,Cyngor,Fersiwn y rhestr wirio,Maes,Cod y cam allweddol")
    assert ",Ie," in first or ",Na," in first


def test_python_messages_in_welsh(welsh):
    form = BulkInviteForm({"pasted": ""})
    assert not form.is_valid()
    assert form.errors["pasted"] == ["Gludwch restr o gynghorwyr, neu lanlwythwch ffeil CSV"]
    field = DueDateField(label="x", required=False)
    with pytest.raises(Exception) as error:
        field.clean(["", "3", ""])
    assert "Rhaid i’r dyddiad gynnwys diwrnod a blwyddyn" in str(error.value)
    refusal = InvitationNotUsable(InvitationNotUsable.Reason.EXPIRED)
    assert str(refusal) == "Mae’r gwahoddiad hwn wedi dod i ben"


def test_english_is_unchanged_without_welsh(client, checklist, council, officer):
    setup = build_group(council, checklist, facilitator=officer)
    client.force_login(officer)
    report = get(client, "group_report", setup.group.pk)
    assert "Group report: Cabinet" in report
    assert "The group’s figure in each area" in report
    assert "from 12 members’ assessments" in report
