"""
The blank checklist: the published version's four areas and twenty "Do you ...?" questions, with
its answer scale, to print and fill in on paper (a councillor thinking it over first, or a group
in a room without screens). The same content makes the HTML page and its PDF.

Read in three queries, whatever the number of questions: the published version, its questions
with their areas, and its answer scale.
"""

from dataclasses import dataclass
from itertools import groupby

from assessments.models import AnswerOption, Area, ChecklistVersion, Question


@dataclass(frozen=True)
class BlankArea:
    area: Area
    questions: list[Question]
    # The number of the area's first question: the questions are numbered 1 to 20 across the
    # areas, so that a group can talk about "question 7".
    first_number: int


@dataclass(frozen=True)
class BlankChecklist:
    checklist: ChecklistVersion
    areas: list[BlankArea]
    options: list[AnswerOption]

    @property
    def question_count(self) -> int:
        return sum(len(area.questions) for area in self.areas)


def published_blank_checklist() -> BlankChecklist | None:
    """The published version's blank checklist, or None if no version is published."""
    checklist = ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()
    if checklist is None:
        return None
    questions = Question.objects.filter(area__checklist=checklist).select_related("area")
    areas = []
    number = 1
    for area, grouped in groupby(questions.order_by("area__order", "order"), key=lambda q: q.area):
        area_questions = list(grouped)
        areas.append(BlankArea(area=area, questions=area_questions, first_number=number))
        number += len(area_questions)
    options = list(AnswerOption.objects.filter(checklist=checklist).order_by("order"))
    return BlankChecklist(checklist=checklist, areas=areas, options=options)
