"""Error responses: Chinese messages for people, stable codes and fields for programs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi import HTTPException as FastAPIHTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from temporalio.service import RPCError

from services.common.dependencies import DependencyDown
from services.common.failures import TRANSIENT, kind_of, reason
from services.common.logging import get_logger

log = get_logger(__name__)

# Pydantic error types rendered as a sentence an operator understands.
_MESSAGES: dict[str, str] = {
    "missing": "此项为必填项",
    "string_too_short": "内容过短，至少 {min_length} 个字符",
    "string_too_long": "内容过长，最多 {max_length} 个字符",
    "string_type": "应为文本",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "string_pattern_mismatch": "格式不正确",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
    "dict_type": "请求体应为 JSON 对象",
    "extra_forbidden": "不支持的字段",
}


# Framework errors (unknown route, wrong method) in words an operator understands.
_HTTP_MESSAGES: dict[int, str] = {
    404: "未找到请求的地址",
    405: "不支持该请求方法",
    413: "请求内容过大",
    415: "不支持的内容类型",
}


# Seconds a client is asked to wait when a dependency (database, broker, Temporal) is down.
RETRY_AFTER = 5
BUSY = "系统繁忙，请稍后重试"
# Failures of the infrastructure a request may meet; transient ones answer 503.
_INFRASTRUCTURE = (DependencyDown, DBAPIError, PoolTimeout, RPCError, ConnectionError, OSError)


def unavailable(dependency: str | None) -> JSONResponse:
    """503 for a request that needs a dependency that is down: Retry-After, Chinese words,
    and which dependency when it is known (a refused connection does not say)."""
    body = {"code": "unavailable", "message": BUSY}
    if dependency:
        body["dependency"] = dependency
    return JSONResponse(
        body,
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER)},
    )


def dependency_of(exc: BaseException) -> str | None:
    """Which dependency a transient failure came from, for programs reading the 503."""
    if isinstance(exc, DependencyDown):
        return exc.name
    if isinstance(exc, DBAPIError | PoolTimeout):
        return "postgres"
    if isinstance(exc, RPCError):
        return "temporal"
    return None


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per invalid field: its path, a stable type and a Chinese message."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        ctx = err.get("ctx") or {}
        template = _MESSAGES.get(err["type"])
        if err["type"] == "value_error":
            message = str(ctx.get("error", err.get("msg", "")))
        elif template:
            try:
                message = template.format(**ctx)
            except (KeyError, IndexError):
                message = template
        else:
            message = "输入无效"
        out.append({"field": ".".join(loc) or "body", "type": err["type"], "message": message})
    return out


def install_error_handlers(app: FastAPI) -> None:
    """422 with field-level Chinese messages; HTTP errors keep a {code, message} shape."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {
                "code": "validation_error",
                "message": "输入有误，请检查标出的字段",
                "errors": field_errors(exc),
            },
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail
        if isinstance(detail, dict):
            body = detail
        else:
            message = _HTTP_MESSAGES.get(exc.status_code, detail)
            body = {"code": f"http_{exc.status_code}", "message": message}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    async def _infrastructure(_: Request, exc: Exception) -> JSONResponse:
        # A database, broker or Temporal that is down (or a pool timing out) is the
        # client's to retry; nothing was acknowledged. Anything else stays a 500.
        if not isinstance(exc, DependencyDown) and kind_of(exc) != TRANSIENT:
            raise exc
        # The error's first line only: a statement's parameters never reach the log.
        log.warning("dependency unavailable", error=reason(exc))
        return unavailable(dependency_of(exc))

    for kind in _INFRASTRUCTURE:
        app.add_exception_handler(kind, _infrastructure)


def not_found(what: str, key: str) -> HTTPException:
    """404 with a readable message."""
    return FastAPIHTTPException(404, {"code": "not_found", "message": f"未找到{what}：{key}"})
