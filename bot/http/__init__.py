"""The HTTP side of `opsbot serve`: the app, the one webhook mount, action links, the web chat, and the one
error shape."""
