"""The semantic layer: catalog, queries, compiler, warehouse client, policies and demo data."""
