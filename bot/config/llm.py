"""The optional language model of the NLQ service: ``OPENAI_*`` / ``OPSBOT_LLM_*`` (nlq.llm) and
``OPSBOT_LLM_ALLOW_SQL`` — read here, once, for the server and the command line alike."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from nlq.llm import LlmConfig

ALLOW_SQL = "OPSBOT_LLM_ALLOW_SQL"
TRUE = ("1", "true", "yes")


@dataclass(frozen=True)
class LlmSettings:
    """The model to fall back on (None: the offline parser alone) and whether it may write SQL itself."""

    model: LlmConfig | None = None
    allow_sql: bool = False


NO_MODEL = LlmSettings()  # the offline parser alone


def read_llm(env: Mapping[str, str] = os.environ) -> LlmSettings:
    return LlmSettings(LlmConfig.from_env(env), env.get(ALLOW_SQL, "").lower() in TRUE)
