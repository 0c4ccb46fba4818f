"""
A builder for group tests: a council of councillors, a group of some of them, and submitted
assessments linked to the group with answers of a known spread.

SPREAD gives, for some key actions, the answers of 12 members in order; every other key action
is "yes" for everyone. The hand-computed figures the tests check are worked out beside it.
"""

from dataclasses import dataclass

from assessments import group_reports, groups
from assessments.models import (
    Assessment,
    ChecklistVersion,
    Council,
    CouncillorGroup,
    GroupMembership,
    User,
)
from tests.builders import make_user, submit

Y, P, N, S = "yes", "partly", "not-yet", "not-sure"

# Disagreement = variance of points (Yes 2, Partly 1, Not yet 0) ÷ 1, Not sure left out.
SPREAD = {
    "encourage-creativity": [Y] * 6 + [N] * 6,  # 1: 100 %
    "take-calculated-risks": [Y] * 4 + [P] * 4 + [N] * 4,  # 2: 2/3 → 67 %; gap 8/12
    "devote-resources": [Y] * 6 + [P] * 6,  # 3: 1/4 → 25 %, research priority, area 4 q1
    "persist": [P] * 6 + [N] * 6,  # 4: 25 %, research priority, area 4 q5; gap 12/12
    "listen-to-others": [Y] * 6 + [P] * 6,  # 5: 25 %, not a priority
    "space-to-test": [N] * 7 + [P] * 5,  # 6: 35/144 → 24 %; gap 12/12
    "look-for-fresh-ideas": [Y] * 3 + [P] * 6 + [S] * 3,  # 7: 2/9 → 22 %; gap 6/12: not shared
    "select-priority-areas": [Y] + [P] * 11,  # 8: 11/144 → 8 %, priority; gap 11/12
    "monitor-progress": [N] * 10 + [S] * 2,  # no disagreement; priority; gap 10/12
}
# Shared gaps and split views take turns, a shared gap first; five places (the default).
AGENDA = [
    "persist",  # shared gap: 12 of 12, research priority
    "encourage-creativity",  # split view: the widest (100 %)
    "select-priority-areas",  # shared gap: 11 of 12, research priority (also a split view)
    "devote-resources",  # split view: 25 %, research priority before listen-to-others
    "monitor-progress",  # shared gap: 10 of 12, research priority
]
# Split views that are not shared gaps, widest first: what the agenda's split-view turns take.
SPLIT_VIEWS = [
    "encourage-creativity",
    "devote-resources",
    "listen-to-others",
    "look-for-fresh-ideas",
]
# Research priorities first, then most members with the gap, then most Not yet, then leaflet.
SHARED_GAPS = [
    "persist",
    "select-priority-areas",
    "monitor-progress",
    "space-to-test",
    "take-calculated-risks",
]


@dataclass
class GroupSetup:
    council: Council
    group: CouncillorGroup
    members: list[User]
    others: list[User]  # councillors of the council outside the group
    assessments: dict[int, Assessment]  # member pk → their counted assessment


def add_councillors(council: Council, count: int, *, start: int = 0) -> list[User]:
    return [
        make_user(
            email=f"councillor{i}@{council.slug}.example.org",
            full_name=f"Councillor {i:02d}",
            council=council,
        )
        for i in range(start, start + count)
    ]


def member_answers(index: int, spread: dict[str, list[str]] = SPREAD) -> dict[str, str]:
    return {code: answers[index] for code, answers in spread.items() if index < len(answers)}


def build_group(
    council: Council,
    checklist: ChecklistVersion,
    *,
    councillors: int = 30,
    members: int = 12,
    submitted: int | None = None,
    spread: dict[str, list[str]] = SPREAD,
    name: str = "Cabinet",
    facilitator: User | None = None,
    discuss: bool = True,
) -> GroupSetup:
    """`councillors` in the council, the first `members` of them in the group, and the first
    `submitted` members (all, by default) with a submitted assessment linked to it. With
    `discuss` (the default) and at least the minimum submitted, the group then moves to its
    discussion, which records the figures its report shows; without, it is still collecting."""
    people = add_councillors(council, councillors)
    group = CouncillorGroup.objects.create(
        council=council, name=name, checklist=checklist, facilitator=facilitator
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(group=group, user=u) for u in people[:members]
    )
    assessments = {}
    for index, member in enumerate(people[: members if submitted is None else submitted]):
        assessments[member.pk] = submit(
            member, checklist, member_answers(index, spread), group=group
        )
    if discuss and len(assessments) >= group_reports.group_minimum(council):
        groups.group_set_status(group=group, status=CouncillorGroup.Status.DISCUSSION)
    return GroupSetup(
        council=council,
        group=group,
        members=people[:members],
        others=people[members:],
        assessments=assessments,
    )
