"""Ticket errors a person may see, and the retryable conflict between concurrent writers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, OperationalError

from metrics.problems import Problem, UserError, user_error

_RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


class TicketConflict(UserError):
    """Another writer changed the same tickets first; this transaction was rolled back whole — retry it."""

    retryable = True


@contextmanager
def conflicts(what_en: str, what_zh: str) -> Iterator[None]:
    """Turn a lost race (unique key, deadlock, lock timeout) into ``TicketConflict``; the transaction is gone."""
    try:
        yield
    except IntegrityError as e:
        raise _conflict(what_en, what_zh) from e
    except OperationalError as e:
        if getattr(e.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES or "locked" in str(e.orig):
            raise _conflict(what_en, what_zh) from e
        raise


def _conflict(what_en: str, what_zh: str) -> TicketConflict:
    return TicketConflict(
        Problem(
            "tickets.conflict",
            f"Another writer changed the same tickets while {what_en}; nothing was written — try again.",
            f"{what_zh}时另一个进程同时修改了相同的工单；本次未写入任何内容，请重试。",
        )
    )


def unknown_ticket(no: str) -> UserError:
    return user_error("tickets.unknown", f"There is no ticket {no}.", f"没有工单 {no}。")


def bad_request(code: str, en: str, zh: str) -> UserError:
    return user_error(f"tickets.{code}", en, zh)
