"""``platforms.dingtalk.robots`` and ``platforms.wecom.robots``: named group robots, one per group.

A team with several groups (供应链群, 抖音运营群) adds a custom robot to each; each robot posts only into its
own group, so each gets a name here, and ``dingtalk:<name>`` / ``wecom:robot:<name>`` destinations use it::

    platforms:
      dingtalk:
        robots:
          supply-group: {webhook: "${DINGTALK_SUPPLY_WEBHOOK}", secret: "${DINGTALK_SUPPLY_SECRET}"}
      wecom:
        robots:
          cs-group: {webhook: "${WECOM_CS_WEBHOOK}"}

A robot whose webhook refers to an unset environment variable is left out with a warning (as a platform
with unset secrets is); its destinations are then skipped with a warning of their own.
"""

from __future__ import annotations

from bot.config.reader import Reader
from bot.config.schema import NamedRobot
from metrics.yamlsrc import Located

ROBOT_KEYS = {"dingtalk": ("webhook", "secret"), "wecom": ("webhook",)}
DINGTALK_WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=…"


def read_robots(node: Located | None, platform: str, r: Reader) -> dict[str, NamedRobot]:
    """The named robots of ``platforms.<platform>`` (``node``), checked; {} when there are none."""
    if node is None:
        return {}
    section = r.mapping(node, "robots", f"platforms.{platform}.robots")
    if section is None:
        return {}
    robots: dict[str, NamedRobot] = {}
    for name, raw in section.items():
        path = f"platforms.{platform}.robots.{name}"
        if not isinstance(raw, Located):
            r.problem(section, name, f"{path}: expected {{webhook: …}}", f"{path}：应为 {{webhook: …}}")
            continue
        if not name.strip() or any(c.isspace() for c in name):
            r.problem(section, name, f"{path}: a robot's name has no spaces", f"{path}：机器人名称不能含空格")
            continue
        robot = _robot(raw, platform, path, r)
        if robot is not None:
            robots[name] = robot
    return robots


def _robot(node: Located, platform: str, path: str, r: Reader) -> NamedRobot | None:
    r.keys(node, ROBOT_KEYS[platform], path)
    webhook, unset = r.soft(node, "webhook", f"{path}.webhook")
    if unset:
        names = ", ".join(unset)
        r.problem(
            node, "webhook", f"{path}: left out — {names} is not set", f"{path}：未启用——环境变量 {names} 未设置",
            warn=True,
        )  # fmt: skip
        return None
    if webhook is None:
        r.problem(node, None, f"{path}: webhook is missing", f"{path}：缺少 webhook")
        return None
    if platform == "dingtalk" and not check_dingtalk_webhook(webhook, node, "webhook", r, path):
        return None
    secret: str | None = None
    if "secret" in node:
        secret, unset = r.soft(node, "secret", f"{path}.secret")
        if unset:
            r.problem(
                node, "secret", f"{path}.secret: {', '.join(unset)} is not set; the robot will post unsigned",
                f"{path}.secret：环境变量未设置，机器人将不加签发送", warn=True,
            )  # fmt: skip
    return NamedRobot(webhook, secret)


def check_dingtalk_webhook(webhook: str, node: Located | None, key: str, r: Reader, path: str) -> bool:
    """A DingTalk custom robot's webhook carries its access_token; say so when it does not."""
    if "access_token=" in webhook:
        return True
    r.problem(
        node, key, f"{path} has no access_token (expected {DINGTALK_WEBHOOK})",
        f"{path} 缺少 access_token（应为 {DINGTALK_WEBHOOK}）",
    )  # fmt: skip
    return False
