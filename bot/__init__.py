"""The composition root: CLI now; conversation handling, chat and the web app in later work."""
