"""Platform I/O only: verify + parse inbound requests into InboundEvents, render + send Messages.

Slack, DingTalk, WeCom, the built-in web chat and the console. Imports none of opsbot's other
packages (DESIGN.md); ``bot/`` composes them."""
