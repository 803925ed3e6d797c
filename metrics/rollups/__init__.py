"""Rollups: pre-aggregated tables in a store beside the warehouse, built, refreshed and routed to."""
