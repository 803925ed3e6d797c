"""Tickets in the chat: the card (in the words of alerts/tickets/vocabulary.py), its signed action links, a
step with the chat's permissions, and a ticket thread's NLQ context."""
