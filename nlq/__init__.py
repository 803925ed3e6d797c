"""Natural-language questions → governed MetricQuery → answers (offline first, optional LLM)."""
