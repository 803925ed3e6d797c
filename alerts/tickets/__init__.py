"""Work-order tickets (预警工单): state machine, store, audit log and outbox (DESIGN.md: imports metrics only).

``TicketService`` (service.py) is the entry point; everything else is one concept a file.
"""
