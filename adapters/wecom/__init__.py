"""WeCom (企业微信): callback crypto and parsing (``webhook`` serves ``/wecom/callback``), the app-message API
client, the group robot webhook and its one sender (``robot_adapter``), rendering of neutral Messages as WeCom
payloads, the app Adapter, and ``router``, which sends by chat (``chats``: ``robot``, ``robot:<name>`` or user
ids) to a robot or the app."""
