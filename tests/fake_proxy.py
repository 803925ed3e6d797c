"""A local forwarding HTTP proxy for tests: it records the absolute URL of every request it is asked to
forward (as clients send them when HTTP_PROXY/HTTPS_PROXY points here) and forwards it to that URL."""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from fake_http import LocalServer


class FakeProxy(LocalServer):
    def __init__(self) -> None:
        self.urls: list[str] = []
        super().__init__(self._handler_class())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self) -> None:
                proxy.urls.append(self.path)
                target = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80, timeout=10)
                path = target.path + (f"?{target.query}" if target.query else "")
                skip = {"proxy-connection", "connection", "host", "content-length"}
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                conn.request(self.command, path, body=body or None, headers=headers)
                reply = conn.getresponse()
                data = reply.read()
                self.send_response(reply.status)
                for k, v in reply.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = _forward

        return Handler
