"""Answers: a question → the Message that answers it (in the server or in worker processes), charts, result JSON."""
