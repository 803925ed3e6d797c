"""DingTalk (钉钉): custom group robots (signed webhook send), enterprise-app robot callbacks (HTTP mode),
rendering of neutral Messages as markdown / actionCard / text, and the Adapter.

One concept a module: ``signing`` (both HMAC schemes), ``inbound`` (callback → InboundEvent), ``render``
(Message → robot payload), ``ratelimit`` (20 messages/minute per robot), ``client`` (HTTP + error mapping),
``robot`` (one robot webhook), ``adapter`` (the ``Adapter`` protocol over robots), ``events`` (a callback body
→ InboundEvent, for both receiving paths), ``webhook`` (``POST /dingtalk/callback``), ``stream`` (Stream mode
with the optional dingtalk-stream SDK)."""
