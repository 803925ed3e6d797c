"""Answers computed in worker processes (bot.answers.pool) are the answers the server process would give —
role scope and follow-up context included — and a worker that dies fails only the question it held."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from bot.answers.answer import InProcess, make_asker
from bot.answers.pool import AnswerPool
from metrics.service import SemanticLayer


@pytest.fixture()
def pool(small_db: Path) -> Iterator[AnswerPool]:
    p = AnswerPool(small_db, 1)
    yield p
    p.close()


def workers() -> set[int]:
    """Processes whose parent is this one and that run multiprocessing's spawn entry point."""
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and b"spawn_main" in cmd:
            found.add(int(proc.name))
    return found


def test_the_pool_answers_as_the_server_process_would(pool: AnswerPool, layer: SemanticLayer) -> None:
    here = InProcess(layer, make_asker(layer))
    for question, role in (
        ("上周各渠道的GMV是多少？", None),
        ("上周GMV", "douyin_ops"),
        ("GMV by channel last week", None),
    ):
        a = pool(question, role=role, context=None, lang="zh")
        b = here(question, role=role, context=None, lang="zh")
        assert a.message.text == b.message.text and a.sql == b.sql and a.message.table == b.message.table
        assert a.context == b.context
    scoped = pool("上周GMV", role="douyin_ops", context=None, lang="zh")
    assert "仅抖音" in scoped.message.text
    first = pool("上周各渠道的GMV是多少？", role=None, context=None, lang="zh")
    follow = pool("那抖音呢", role=None, context=first.context, lang="zh")
    # the thread's context crossed to the worker and back: the same metric and week, now only Douyin
    douyin = next(line for line in first.message.text.splitlines() if "抖音" in line).split(": ")[1]  # ¥10.24万
    assert "抖音" in follow.message.text and douyin in follow.message.text
    assert follow.context is not None and follow.context.query is not None


def test_a_refusal_comes_back_as_the_reply_and_keeps_the_thread(pool: AnswerPool) -> None:
    got = pool("上周GMV", role="no_such_role", context=None, lang="zh")
    assert got.context is None and "no_such_role" in got.message.text  # UserError text, in Chinese


def test_a_dead_worker_fails_its_question_and_the_next_one_is_answered(pool: AnswerPool) -> None:
    assert pool("上周GMV", role=None, context=None, lang="zh").message.text
    alive = workers()
    assert alive, "no worker process was started"
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    with pytest.raises(BrokenProcessPool):
        pool("上周GMV", role=None, context=None, lang="zh")
    again = pool("上周GMV", role=None, context=None, lang="zh")
    assert "GMV" in again.message.text or "成交" in again.message.text
    assert workers().isdisjoint(alive)
