"""WeCom (企业微信): callback crypto and parsing, the app-message API client, the group robot webhook,
rendering of neutral Messages as WeCom payloads, and the Adapter over them."""
