"""WeCom's 智能机器人 (AI bot): group and one-to-one @-messages, template cards whose clicks carry the clicker's
verified ``userid``, over a long connection (``connection.py``) or encrypted JSON callbacks (``callback.py``)."""
