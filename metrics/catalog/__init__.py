"""The metric catalog: its YAML files (beside this module), their types (types.py), loading them with every
problem at file:line (load.py), and the cross-checks that run once they are read (check.py)."""
