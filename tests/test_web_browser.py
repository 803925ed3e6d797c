"""The web chat page in a real headless browser (Debian's chromium, driven by Playwright's Python package).

Never downloads a browser: it uses /usr/bin/chromium (``tests/setup_system.sh`` installs it) and skips
with the reason when chromium or playwright is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.auth_support import PASSWORD, with_password
from tests.live_bot import WEB_CONFIG, LiveBot, bot_env, live_bot, write_config

CHROMIUM = os.environ.get("OPSBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path("/tmp/webchat.png")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no chromium at {CHROMIUM} (apt-get install chromium; see tests/setup_system.sh)", allow_module_level=True
    )


@pytest.fixture()
def bot(tmp_path: Path, small_db: Path) -> Iterator[LiveBot]:
    env = bot_env(tmp_path, small_db)
    with live_bot(write_config(tmp_path, WEB_CONFIG), env, clock=lambda: NOW) as b:
        yield b


@pytest.fixture()
def page(bot: LiveBot) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN")
            p = context.new_page()
            p.set_default_timeout(20_000)
            yield p
        finally:
            browser.close()  # before the bot stops: its graceful shutdown waits for open streams


def test_ask_then_ack_and_close_a_card(bot: LiveBot, page: Any) -> None:
    expect = sync_api.expect
    with_password(bot, "张伟")
    page.goto(bot.url + "/")  # not logged in: the login page, which comes back here
    assert "/auth/login?next=" in page.url
    page.get_by_test_id("login-person").fill("张伟")
    page.get_by_test_id("login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    page.get_by_test_id("login-person").fill("张伟")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_selector("body[data-ready='1']")
    assert page.url == bot.url + "/"
    expect(page.get_by_test_id("me-input")).to_have_value("张伟")  # who the session is, not a name typed

    page.get_by_test_id("chat-#general").click()
    page.get_by_test_id("composer-input").fill("上周各渠道的GMV是多少？")
    page.get_by_test_id("composer-send").click()
    thread = page.get_by_test_id("thread-panel")
    expect(thread).to_be_visible()
    table = thread.get_by_test_id("answer-table")
    expect(table).to_be_visible(timeout=30_000)
    expect(table).to_contain_text("抖音")
    expect(thread.locator(".msg .meta b", has_text="张伟")).to_have_count(1)

    bot.runtime.run_rules()
    bot.settle()
    page.get_by_test_id("chat-#supply-chain").click()
    card = page.get_by_test_id("card").first
    expect(card).to_be_visible()
    expect(card.get_by_test_id("card-status")).to_have_text("待处理")
    no = card.get_attribute("data-ticket")
    assert no and no.startswith("T-")

    card.get_by_test_id("button-ack").click()
    bot.settle()
    card = page.locator(f"[data-testid=card][data-ticket='{no}']")
    expect(card.get_by_test_id("card-status")).to_have_text("已认领")  # updated in place over SSE
    card.get_by_test_id("button-close").click()
    bot.settle()
    expect(card.get_by_test_id("card-status")).to_have_text("已关闭")

    card.get_by_test_id("audit-toggle").click()
    events = card.get_by_test_id("audit-event")
    expect(events.filter(has_text="ack")).to_have_count(1)
    expect(events.filter(has_text="close")).to_have_count(1)
    expect(events.filter(has_text="张伟 (web)")).to_have_count(2)
    assert page.get_by_test_id("card").count() == page.locator("[data-testid=card][data-ticket]").count()

    # Assign opens a people picker on the next card and hands it over
    other = page.locator("[data-testid=card][data-ticket]").filter(has=page.get_by_test_id("button-assign")).first
    other_no = other.get_attribute("data-ticket")
    other.get_by_test_id("button-assign").click()
    other.get_by_test_id("assign-input").fill("李娜")
    other.get_by_test_id("assign-confirm").click()
    bot.settle()
    expect(page.locator(f"[data-testid=card][data-ticket='{other_no}']").get_by_test_id("card-text")).to_contain_text(
        "@李娜"
    )

    # the screenshot: the question thread open next to the channel with its cards
    page.get_by_test_id("chat-#general").click()
    page.get_by_test_id("reply-button").first.click()
    expect(page.get_by_test_id("thread-panel").get_by_test_id("answer-table")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    page.get_by_test_id("chat-#supply-chain").click()
    page.locator(f"[data-testid=card][data-ticket='{no}']").get_by_test_id("audit-toggle").click()
    page.screenshot(path="/tmp/webchat-cards.png", full_page=False)
