"""Citizens' SMS replies to the callback survey (回访): what a reply means, and what to answer.

The survey asks for one digit: 1 满意, 2 基本满意, 3 不满意. Anything else is unreadable and
gets a short request to answer again; nothing is guessed from free text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

SATISFIED = "satisfied"
UNSATISFIED = "unsatisfied"
UNREADABLE = "unreadable"
# The texts a reply can answer; the phone's most recent one is the one being answered. A
# caller who agreed to a phone callback is told of the resolution and that a call will come
# (citizen_resolved): a digit they send back is their evaluation all the same, on the scale
# every survey text prints. The centre takes it as the callback's answer, as it would a
# survey's, and does not call to ask again.
SURVEY_TEMPLATES = ("citizen_resolved_survey", "citizen_callback_survey", "citizen_resolved")
_MEANING = {"1": SATISFIED, "2": SATISFIED, "3": UNSATISFIED}
# Punctuation people add around a digit ("1。", "【2】", "3!").
_STRIP = " \t\r\n.,;:!?。，；：！？、'\"“”‘’()（）[]【】"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a reply says: the survey outcome (or UNREADABLE) and the SMS to send back."""

    outcome: str
    template: str

    @property
    def satisfied(self) -> bool:
        """Whether sla is told the citizen is satisfied (only meaningful when readable)."""
        return self.outcome == SATISFIED

    @property
    def readable(self) -> bool:
        """Whether the reply answers the survey."""
        return self.outcome != UNREADABLE


def read_reply(text: str) -> Answer:
    """Interpret a reply: full-width digits count, surrounding punctuation is ignored."""
    digit = unicodedata.normalize("NFKC", text).strip(_STRIP)
    outcome = _MEANING.get(digit, UNREADABLE)
    if outcome == UNREADABLE:
        return Answer(UNREADABLE, "citizen_survey_unreadable")
    if outcome == UNSATISFIED:
        return Answer(outcome, "citizen_survey_reopen")  # sla reopens the case
    return Answer(outcome, "citizen_survey_thanks")
