"""Bind the server's socket before anything says "serving": a port in use, or one we may not bind, is one
line in the user's language (who holds it, where the OS tells, and how to pick another port)."""

from __future__ import annotations

import errno
import socket

from bot.http.port_holder import port_holder
from metrics.problems import UserError, user_error


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or a UserError saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise bind_problem(host, port, e) from None
    sock.set_inheritable(True)
    return sock


def bind_problem(host: str, port: int, e: OSError) -> UserError:
    other = port + 1 if port < 65535 else 8081
    hint_en = f"start on another port with --port {other} (or server.port in opsbot.yaml; make demo PORT={other})"
    hint_zh = f"可用 --port {other} 换一个端口（或 opsbot.yaml 的 server.port；make demo PORT={other}）"
    if e.errno == errno.EADDRINUSE:
        holder = port_holder(port)
        who_en = f" by {holder}" if holder else ""
        who_zh = f"被 {holder} 占用" if holder else "已被占用"
        return user_error(
            "port_in_use",
            f"cannot serve on http://{host}:{port}/: the port is already in use{who_en}; stop it or {hint_en}.",
            f"无法在 http://{host}:{port}/ 启动：端口{who_zh}；请先停止它，或{hint_zh}。",
        )
    if e.errno == errno.EACCES:
        return user_error(
            "port_denied",
            f"cannot serve on http://{host}:{port}/: no permission to use port {port}; {hint_en}.",
            f"无法在 http://{host}:{port}/ 启动：没有使用端口 {port} 的权限；{hint_zh}。",
        )
    if e.errno == errno.EADDRNOTAVAIL or isinstance(e, socket.gaierror):
        return user_error(
            "bad_host",
            f"cannot serve on http://{host}:{port}/: {host} is not an address of this machine; "
            "use --host 127.0.0.1 or 0.0.0.0.",
            f"无法在 http://{host}:{port}/ 启动：{host} 不是本机地址；请用 --host 127.0.0.1 或 0.0.0.0。",
        )
    return user_error(
        "cannot_bind",
        f"cannot serve on http://{host}:{port}/: {e.strerror or e}.",
        f"无法在 http://{host}:{port}/ 启动：{e.strerror or e}。",
    )
