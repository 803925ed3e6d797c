"""opsbot's configuration: `opsbot.yaml` over the environment over defaults, read once (bot.config.load)."""
