"""Everything about a chat platform that needs nothing of opsbot: verify + parse inbound requests into
InboundEvents (framework-free webhooks: ``webhook.py``), render + send Messages, SDK glue and group robots.

Slack, DingTalk, WeCom, the built-in web chat and the console, one folder each, over the neutral types of
``base.py`` and ``destination.py``. Imports none of opsbot's other packages and reads no environment (its URLs
and secrets are handed in); ``bot/`` composes them."""
