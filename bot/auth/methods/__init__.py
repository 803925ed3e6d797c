"""Outside login methods: OIDC, WeCom, DingTalk and a trusted reverse-proxy header."""
