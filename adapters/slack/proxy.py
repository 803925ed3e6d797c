"""Outbound proxies for the Slack SDK clients as for every other client: HTTP(S)_PROXY, and NO_PROXY honoured.

slack_sdk reads HTTPS_PROXY (or HTTP_PROXY) itself, for every URL. The sync WebClient hands it to urllib,
which still honours NO_PROXY; the AsyncWebClient hands it to aiohttp explicitly, where NO_PROXY is not looked
at — so a Slack ``api_url`` on a host named in NO_PROXY (a local gateway, a test fake) went through the proxy
anyway. Each async client talks to one base URL, so its proxy is chosen here once, as the environment says for
it. (The sync client is left as the SDK makes it: given no proxy, urllib's process-wide opener would keep the
proxies of the first request's environment.)
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

from slack_sdk.web.async_client import AsyncWebClient


def env_proxies(client: AsyncWebClient) -> AsyncWebClient:
    """``client`` with the proxy the environment gives for its base URL (None when NO_PROXY names the host)."""
    url = urlsplit(client.base_url)
    proxies = urllib.request.getproxies_environment()
    bypass = bool(url.hostname) and bool(urllib.request.proxy_bypass(url.hostname or ""))  # reads NO_PROXY
    client.proxy = None if bypass else proxies.get(url.scheme) or proxies.get("https") or proxies.get("all")
    return client
