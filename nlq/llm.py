"""The optional LLM fallback of the NLQ layer: a question the offline parser could not read → a MetricQuery,
guarded SQL, or a clear refusal.

An OpenAI-compatible chat model is given the catalog in brief and two tools (`metric_query`, and `run_sql`
only when allowed). Its tool call is parsed and validated (`query_from_json`, `guard_sql`); a call that
fails gets ONE repair round with the issues sent back as the tool's result. Everything else (no tool
call, malformed JSON, HTTP errors, rate limits after the client's bounded retries, timeouts) becomes a
bilingual refusal: `propose` never raises. Nothing the model writes is executed here; a caller runs
`LlmResult.sql` only through the read-only warehouse client with its row cap and time limit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from metrics.catalog.types import Catalog
from metrics.problems import Problem, UserError
from metrics.query import MetricQuery
from nlq import llm_prompt
from nlq.llm_prompt import METRIC_TOOL, SQL_TOOL
from nlq.query_json import query_from_json
from nlq.sql_guard import guard_sql

if TYPE_CHECKING:  # the client library is imported only when a fallback is built (it takes ~0.6 s)
    import openai
    from openai.types.chat import (
        ChatCompletionMessage,
        ChatCompletionMessageFunctionToolCall,
        ChatCompletionMessageParam,
    )

log = logging.getLogger(__name__)

REPAIR_ROUNDS = 1
DEFAULT_MAX_ROWS = 1000
NO_KEY = "not-needed"  # local OpenAI-compatible servers often need no key, but the client wants one


@dataclass(frozen=True)
class LlmConfig:
    """Where the model is: an OpenAI-compatible base URL, a model name, and an optional API key."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LlmConfig | None:
        """From OPSBOT_LLM_BASE_URL, OPSBOT_LLM_MODEL and OPSBOT_LLM_API_KEY; None unless URL and model are set."""
        source = os.environ if env is None else env
        base_url = source.get("OPSBOT_LLM_BASE_URL", "").strip()
        model = source.get("OPSBOT_LLM_MODEL", "").strip()
        if not base_url or not model:
            return None
        return cls(base_url, model, source.get("OPSBOT_LLM_API_KEY", "").strip() or None)


@dataclass(frozen=True)
class LlmResult:
    """Exactly one of: a validated MetricQuery, guarded SQL, or a refusal to show the user."""

    query: MetricQuery | None = None
    sql: str | None = None
    refusal: Problem | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.query, self.sql, self.refusal)) != 1:
            raise ValueError("LlmResult holds exactly one of query, sql, refusal")


def refusal(code: str, en: str, zh: str) -> LlmResult:
    """A result that refuses, with the reason in English and Chinese."""
    return LlmResult(refusal=Problem(code, en, zh))


NO_TOOL_CALL = refusal(
    "llm_no_query",
    "The language model could not turn the question into a query over the known metrics and a definite "
    "period; name the metric and the period, e.g. “GMV by channel last week”.",
    "语言模型没能把这个问题转换成基于已知指标和明确时间段的查询；请写明指标和时间，例如“上周各渠道GMV”。",
)
INTERNAL = refusal(
    "llm_error",
    "The language model's answer could not be used; please rephrase the question.",
    "无法使用语言模型的回答，请换个说法再问。",
)


class LlmFallback:
    """Asks an OpenAI-compatible chat model for one tool call and returns only what passes validation."""

    def __init__(
        self,
        catalog: Catalog,
        config: LlmConfig,
        *,
        timeout_s: float = 20,
        client: openai.OpenAI | None = None,
        allow_sql: bool = False,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_retries: int = 2,
    ) -> None:
        self.catalog = catalog
        self.config = config
        self.timeout_s = timeout_s
        self.allow_sql = allow_sql
        self.max_rows = max_rows
        import openai

        self.client = client or openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or NO_KEY,
            timeout=timeout_s,
            max_retries=max_retries,
        )
        self._tools = llm_prompt.tools(catalog, allow_sql=allow_sql)

    def propose(
        self, question: str, *, today: dt.date, context: dict[str, Any] | None = None, lang: str = "zh"
    ) -> LlmResult:
        """One validated proposal for `question`, or a refusal; never raises."""
        try:
            return self._propose(question, today=today, context=context, lang=lang)
        except Exception:  # a bug or an unexpected reply must not reach the user as a traceback
            log.warning("LLM fallback failed unexpectedly", exc_info=True)
            return INTERNAL

    def _propose(self, question: str, *, today: dt.date, context: dict[str, Any] | None, lang: str) -> LlmResult:
        messages = llm_prompt.messages(
            self.catalog, question, today=today, context=context, lang=lang, allow_sql=self.allow_sql
        )
        issues: tuple[str, UserError] | None = None
        for _ in range(1 + REPAIR_ROUNDS):
            reply = self._complete(messages)
            if isinstance(reply, LlmResult):
                return reply
            calls = _function_calls(reply)
            if not calls:
                return NO_TOOL_CALL
            judged = self._judge(calls[0])
            if isinstance(judged, LlmResult):
                return judged
            issues = judged
            messages.extend(_repair_messages(reply, calls, judged[1]))
        assert issues is not None
        tool, error = issues
        return _invalid(error, sql=tool == SQL_TOOL and self.allow_sql)

    def _complete(self, messages: list[ChatCompletionMessageParam]) -> ChatCompletionMessage | LlmResult:
        """One chat completion; every transport failure becomes a refusal."""
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.config.model,
                messages=messages,
                tools=self._tools,
                tool_choice="auto",
                temperature=0,
            )
            return response.choices[0].message
        except openai.APIError as e:
            log.info("LLM request failed: %s", type(e).__name__)
            return _transport_refusal(e, self.timeout_s)
        except Exception:  # a reply that is not a chat completion (HTML, empty choices, …)
            log.warning("LLM reply unusable", exc_info=True)
            return refusal(
                "llm_bad_response",
                "The language model service sent a reply that is not a chat completion.",
                "语言模型服务返回的内容不是有效的对话结果。",
            )

    def _judge(self, call: ChatCompletionMessageFunctionToolCall) -> LlmResult | tuple[str, UserError]:
        """Validate one tool call: the result, or (tool name, the issues to send back)."""
        name = call.function.name
        try:
            args = _arguments(call.function.arguments)
            if name == METRIC_TOOL:
                return LlmResult(query=query_from_json(self.catalog, args))
            if name == SQL_TOOL and self.allow_sql:
                return LlmResult(sql=guard_sql(_sql_argument(args), self.catalog, max_rows=self.max_rows))
            raise _bad_call(
                f"Unknown tool {name!r}; call {METRIC_TOOL}" + (f" or {SQL_TOOL}." if self.allow_sql else "."),
                f"未知工具 {name!r}；请调用 {METRIC_TOOL}" + (f" 或 {SQL_TOOL}。" if self.allow_sql else "。"),
            )
        except UserError as e:
            return name, e


def _function_calls(reply: ChatCompletionMessage) -> list[ChatCompletionMessageFunctionToolCall]:
    """The function tool calls of a reply (custom tool calls are ignored)."""
    from openai.types.chat import ChatCompletionMessageFunctionToolCall

    return [c for c in reply.tool_calls or [] if isinstance(c, ChatCompletionMessageFunctionToolCall)]


def _bad_call(en: str, zh: str) -> UserError:
    """An issue with the shape of a tool call, to send back for repair."""
    return UserError(Problem("bad_tool_call", en, zh))


def _arguments(text: str) -> dict[str, Any]:
    """The tool call's arguments: a JSON object, or UserError."""
    try:
        data = json.loads(text or "")
    except (json.JSONDecodeError, TypeError) as e:
        raise _bad_call(f"The tool arguments are not valid JSON ({e}).", f"工具参数不是有效的 JSON（{e}）。") from e
    if not isinstance(data, dict):
        raise _bad_call("The tool arguments must be a JSON object.", "工具参数必须是 JSON 对象。")
    return data


def _sql_argument(args: dict[str, Any]) -> str:
    """The `sql` argument of run_sql, or UserError."""
    sql = args.get("sql")
    if not isinstance(sql, str):  # an empty string goes on to the guard, which refuses it
        raise _bad_call('run_sql needs {"sql": "SELECT …"}.', 'run_sql 需要参数 {"sql": "SELECT …"}。')
    return sql


def _repair_messages(
    reply: ChatCompletionMessage, calls: list[ChatCompletionMessageFunctionToolCall], error: UserError
) -> list[ChatCompletionMessageParam]:
    """The model's own call, then the issues as the tool's result, asking for one corrected call."""
    issues = "\n".join(f"- {p.text('en')}" for p in error.problems)
    out: list[ChatCompletionMessageParam] = [
        {
            "role": "assistant",
            "content": reply.content,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.function.name, "arguments": c.function.arguments},
                }
                for c in calls
            ],
        },
        {
            "role": "tool",
            "tool_call_id": calls[0].id,
            "content": f"Rejected. Fix these issues and call the tool once more:\n{issues}",
        },
    ]
    out.extend({"role": "tool", "tool_call_id": c.id, "content": "Ignored: make exactly one call."} for c in calls[1:])
    return out


def _invalid(error: UserError, *, sql: bool) -> LlmResult:
    """The refusal after the repair round failed too, with the remaining issues in both languages."""
    code = "refused_sql" if sql else "llm_invalid_query"
    return refusal(
        code,
        "The language model's proposal was refused, even after one correction: " + error.text("en"),
        "语言模型给出的查询经过一次修正后仍未通过检查：" + error.text("zh"),
    )


def _transport_refusal(error: openai.APIError, timeout_s: float) -> LlmResult:
    """A clear refusal for a failed request: timeout, rate limit, HTTP error, unreachable, unreadable."""
    import openai

    if isinstance(error, openai.APITimeoutError):
        return refusal(
            "llm_timeout",
            f"The language model did not answer within {timeout_s:g} s; please try again.",
            f"语言模型在 {timeout_s:g} 秒内没有响应，请稍后再试。",
        )
    if isinstance(error, openai.RateLimitError):
        return refusal(
            "llm_rate_limited",
            "The language model service is rate-limiting requests; please try again in a minute.",
            "语言模型服务当前限流，请一分钟后再试。",
        )
    if isinstance(error, openai.APIStatusError):
        return refusal(
            "llm_http_error",
            f"The language model service answered with HTTP {error.status_code}.",
            f"语言模型服务返回了 HTTP {error.status_code} 错误。",
        )
    if isinstance(error, openai.APIConnectionError):
        return refusal("llm_unavailable", "Could not reach the language model service.", "无法连接语言模型服务。")
    return refusal(
        "llm_bad_response",
        "The language model service sent a reply that could not be read.",
        "无法读取语言模型服务的回复。",
    )
