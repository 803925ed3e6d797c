"""Who is acting: built-in accounts, sessions, API tokens and one-time login links (issue 15, identity)."""
