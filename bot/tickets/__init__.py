"""Tickets in the chat: the one vocabulary of states and verbs, the card, its action links, its thread's context."""
