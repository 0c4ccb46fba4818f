"""
Database rows turned into the plain values `assessments.scoring` takes.

The one place where a model's fields become scoring's dataclasses, for the individual report, the
group report and anything else that asks a scoring rule about a saved answer. No queries: callers
fetch the rows (with `select_related` where a conversion follows a relation).
"""

from collections.abc import Iterable

from assessments import scoring
from assessments.models import Answer, AnswerOption, Area


def area_info(area: Area) -> scoring.AreaInfo:
    return scoring.AreaInfo(code=area.code, title=area.title, order=area.order)


def option_info(option: AnswerOption) -> scoring.OptionInfo:
    return scoring.OptionInfo(
        code=option.code, label=option.label, points=option.points, order=option.order
    )


def answer_scale(options: Iterable[AnswerOption]) -> list[scoring.OptionInfo]:
    """A checklist version's answer options, in their order on the scale."""
    return [option_info(o) for o in sorted(options, key=lambda o: (o.order, o.code))]


def scoring_answer(answer: Answer, *, max_points: int) -> scoring.ScoringAnswer:
    """An answer that has an option; follows `answer.question.area` and `answer.option`."""
    question, option = answer.question, answer.option
    assert option is not None, "only answered questions are scored"
    return scoring.ScoringAnswer(
        area=area_info(question.area),
        question_code=question.code,
        question_order=question.order,
        summary=question.summary,
        text=question.text,
        is_research_priority=question.is_research_priority,
        research_finding=question.research_finding,
        option=option_info(option),
        max_points=max_points,
        wording=question.wording,
    )
