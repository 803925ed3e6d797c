"""The conversation: one verified InboundEvent → a ticket step or a governed answer; commands, who is talking,
threads."""
