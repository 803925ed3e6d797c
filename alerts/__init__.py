"""Alert rules, set-based evaluation, work-order tickets, scheduling (DESIGN.md: imports metrics only)."""
