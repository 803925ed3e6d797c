"""`opsbot chat`: the terminal REPL on the bot core — follow-ups, ticket commands, permissions, languages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OPSBOT = str(Path(sys.executable).with_name("opsbot"))
CONFIG = """
people:
  - name: 张伟
    ids: {slack: U01ZHANGWEI}
  - name: 王芳
    ids: {slack: U03WANGFANG}
    may_close: false
  - name: 李娜
    role: douyin_ops
    ids: {slack: U02LINA}
"""


@pytest.fixture(scope="module")
def world(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """A private warehouse copy, a state store with the demo rules' tickets, and a config with two people."""
    root = tmp_path_factory.mktemp("repl")
    db = root / "wh.duckdb"
    shutil.copy(small_db, db)
    (root / "opsbot.yaml").write_text(CONFIG, encoding="utf-8")
    env = {"OPSBOT_WAREHOUSE": str(db), "OPSBOT_DATA_DIR": str(root), "OPSBOT_LANG": "zh", "COLUMNS": "200"}
    run = subprocess.run([OPSBOT, "alerts", "run"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return env, root / "opsbot.yaml"


def chat(world: tuple[dict[str, str], Path], who: str, *lines: str) -> str:
    env, config = world
    proc = subprocess.run(
        [OPSBOT, "chat", "--config", str(config), "--as", who],
        input="\n".join(lines) + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def tickets(world: tuple[dict[str, str], Path], *args: str) -> list[dict[str, object]]:
    env, _ = world
    proc = subprocess.run(
        [OPSBOT, "tickets", "list", "--format", "json", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout))


def history(world: tuple[dict[str, str], Path], number: str) -> dict[str, object]:
    env, _ = world
    proc = subprocess.run(
        [OPSBOT, "tickets", "show", number, "--format", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_a_follow_up_keeps_the_thread_context(world: tuple[dict[str, str], Path]) -> None:
    out = chat(world, "张伟", "上周各渠道的GMV是多少？", "那抖音呢", "显示SQL")
    first, second, third = out.split("--- terminal")[1:4]
    assert "天猫" in first and "抖音" in first and "口径" in first  # the table and the definitions used
    assert "channel_id" not in first  # keys are shown by their names
    assert "抖音" in second and "天猫" not in second  # the follow-up kept GMV and last week, filtered to Douyin
    period = first.split("时间 ")[1].split(" ·")[0]
    assert period in second
    assert "SELECT" in third and "'douyin'" in third  # the SQL of the thread's last answer, on request


def test_ticket_commands_change_the_ticket_and_are_audited(world: tuple[dict[str, str], Path]) -> None:
    number = str(tickets(world, "--owner", "张伟", "--status", "open")[0]["ticket_no"])
    out = chat(world, "张伟", f"认领 {number}", f"稍后处理 2小时 {number}", f"关闭 {number} 已补货")
    assert f"✅ 张伟 认领了 {number}" in out and f"关闭了 {number}" in out
    shown = history(world, number)
    events = [(e["action"], e["actor"], e["platform"], e.get("note")) for e in shown["events"]]  # type: ignore[union-attr, index]
    assert ("ack", "张伟", "console", None) in events
    assert ("close", "张伟", "console", "已补货") in events
    assert shown["status"] == "closed"


def test_who_may_close_is_configurable(world: tuple[dict[str, str], Path]) -> None:
    number = str(tickets(world, "--owner", "王芳", "--status", "open")[0]["ticket_no"])
    out = chat(world, "王芳", f"关闭 {number} 好了")
    assert "没有关闭工单的权限" in out
    assert history(world, number)["status"] == "open"


def test_commands_need_a_ticket_outside_a_ticket_thread_and_speak_english(world: tuple[dict[str, str], Path]) -> None:
    out = chat(world, "张伟", "认领", "help", "ack T-20990101-0001")
    assert "请写明工单号" in out
    assert "I answer metric questions" in out
    assert "T-20990101-0001" in out and "✅" not in out  # an unknown ticket is refused with its number


def test_my_tickets_lists_only_mine(world: tuple[dict[str, str], Path]) -> None:
    out = chat(world, "王芳", "我的工单")
    assert "王芳 的待处理工单" in out
    assert "| 张伟" not in out


def test_the_role_of_the_person_limits_every_answer(world: tuple[dict[str, str], Path]) -> None:
    out = chat(world, "李娜", "上周各渠道的GMV是多少？", "上周的毛利是多少")
    first, second = out.split("--- terminal")[1:3]
    assert "抖音运营" in first and "抖音" in first and "天猫" not in first  # the role's row filter applied
    assert "¥" not in second  # a denied metric is refused, not shown
