"""One word per thing: every ticket status and verb reads the same in the card, its buttons, the confirmation
of a step and the refusal of a step — in zh and in en (alerts/tickets/vocabulary.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from alerts.tickets.states import ACTIONS, STATUSES, allowed, target
from alerts.tickets.vocabulary import HUMAN_VERBS, STATUS, VERB
from bot.conversation.core import done_text
from bot.tickets.card import BUTTONS, ticket_message
from metrics.problems import UserError

NO = "T-20261120-0042"
OTHER_WORDS = ("稍后处理", "推迟", "指派", "暂停")  # wordings the vocabulary does not use for these states and verbs


def card(status: str, lang: str) -> Any:
    ticket = {
        "ticket_no": NO, "rule_id": "stockout", "rule_names": {"zh": "断货", "en": "Stockout"}, "status": status,
        "severity": "critical", "label": "SKU-1", "value": 1, "threshold": 3, "owner": "张伟",
        "first_seen": "2026-11-20T01:00:00+00:00", "last_seen": "2026-11-20T02:00:00+00:00",
        "snoozed_until": "2026-11-20T04:00:00+00:00" if status == "snoozed" else None, "metric": "days_of_cover",
    }  # fmt: skip
    return ticket_message(ticket, lang)


def test_the_table_names_every_status_and_action() -> None:
    assert set(STATUS) == set(STATUSES) and set(VERB) == set(ACTIONS)
    assert set(HUMAN_VERBS) <= set(ACTIONS)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("status", STATUSES)
def test_a_card_shows_its_status_and_buttons_in_the_vocabulary(status: str, lang: str) -> None:
    message = card(status, lang)
    shown = f"{message.title}\n{message.text}\n{message.footer}"
    assert STATUS[status](lang) in shown
    assert [b.label for b in message.buttons] == [VERB[v].button(lang) for v, _ in BUTTONS[status]]
    for button in message.buttons:  # a card offers only the steps its status allows
        assert allowed(button.action, status), (status, button.action)  # type: ignore[arg-type]
    if status == "snoozed":
        assert (VERB["snooze"].name.zh if lang == "zh" else VERB["snooze"].done.en) in shown
    assert not any(word in shown for word in OTHER_WORDS)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("verb", HUMAN_VERBS)
@pytest.mark.parametrize("status", STATUSES)
def test_every_step_confirms_or_refuses_in_the_vocabulary(verb: str, status: str, lang: str) -> None:
    if allowed(verb, status):  # type: ignore[arg-type]
        after = target(verb, status, NO)  # type: ignore[arg-type]
        text = done_text(verb, NO, after, "张伟", lang)
        assert VERB[verb].done(lang) in text and STATUS[after](lang) in text
    else:
        with pytest.raises(UserError) as err:
            target(verb, status, NO)  # type: ignore[arg-type]
        text = err.value.text(lang)
        words = {VERB[verb].name(lang), STATUS[status](lang)} | _stems(lang)
        assert any(w in text for w in words), text
    assert not any(word in text for word in OTHER_WORDS), text


def _stems(lang: str) -> set[str]:
    """The status words without 已 (工单 T-… 已在暂缓中 / 已被认领 read the status's own word)."""
    return {re.sub("^已", "", w(lang)) for w in STATUS.values()} if lang == "zh" else {w.en for w in STATUS.values()}
