"""Reading a citizen's SMS reply to the callback survey: 1 or 2 satisfied, 3 unsatisfied,
anything else unreadable, answered with a request to reply 1, 2 or 3."""

from __future__ import annotations

import pytest

from services.notify.domain import Templates
from services.notify.domain.replies import SATISFIED, UNREADABLE, UNSATISFIED, read_reply
from services.notify.wiring import sms_codes


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("1", SATISFIED),
        ("2", SATISFIED),
        ("3", UNSATISFIED),
        (" 2\n", SATISFIED),
        ("１", SATISFIED),  # full-width digit from a Chinese keyboard
        ("３。", UNSATISFIED),
        ("【1】", SATISFIED),
    ],
)
def test_a_digit_answers_the_survey(text: str, outcome: str) -> None:
    answer = read_reply(text)

    assert answer.readable and answer.outcome == outcome
    assert answer.satisfied == (outcome == SATISFIED)


@pytest.mark.parametrize("text", ["", "4", "0", "12", "13", "满意", "好的谢谢", "1 满意但太慢"])
def test_anything_else_is_unreadable_and_asks_again(text: str) -> None:
    answer = read_reply(text)

    assert answer.outcome == UNREADABLE and not answer.readable and not answer.satisfied
    assert answer.template == "citizen_survey_unreadable"


def test_each_answer_has_a_text_and_a_gateway_code() -> None:
    templates, codes = Templates.from_file(), sms_codes()
    case_no = "20261122000001"

    thanks, reopen, again = (read_reply(t) for t in ("1", "3", "?"))

    assert (thanks.template, reopen.template) == ("citizen_survey_thanks", "citizen_survey_reopen")
    assert "请回复1、2或3" in templates.render(again.template, case_no=case_no)
    for answer in (thanks, reopen, again):
        assert case_no in templates.render(answer.template, case_no=case_no)
        assert answer.template in codes
