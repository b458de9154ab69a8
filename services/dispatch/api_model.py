"""Model versions over HTTP for the desk: list, train, evaluate, promote, roll back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field

from services.common.access import allow
from services.common.inputs import IDENT
from services.dispatch.learning import centre
from services.dispatch.learning.__main__ import summary
from services.dispatch.learning.live import LiveModels
from services.dispatch.learning.versions import ModelStore, VersionError

# The desk's admin page is the only caller (an admin acting there).
router = APIRouter(
    prefix="/v1/model", tags=["model"], dependencies=[Depends(allow(callers=("desk",)))]
)
Version = Annotated[str, Path(pattern=r"^v\d{4,}$", description="模型版本，如 v0002")]


# No model directory, an unknown version, or a promotion the rules refuse.
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "未配置模型目录、没有该版本，或发布/回退被规则拒绝（附中文原因）"}
}


class Actor(BaseModel):
    actor: str = Field(min_length=1, max_length=64, pattern=IDENT, description="操作的管理员账号")


class Promotion(Actor):
    version: str = Field(pattern=r"^v\d{4,}$")
    force: bool = Field(default=False, description="未通过影子评估也发布")


def _store(request: Request) -> ModelStore:
    store: ModelStore | None = request.app.state.models.store
    if store is None:
        raise HTTPException(
            409, {"code": "no_model_dir", "message": "未配置模型目录（MINHU_DISPATCH_MODEL_DIR）"}
        )
    return store


def _refused(exc: VersionError) -> HTTPException:
    return HTTPException(409, {"code": "model_version_refused", "message": str(exc)})


def _state(request: Request) -> dict[str, Any]:
    models: LiveModels = request.app.state.models
    store = models.store
    return {
        "live": models.version,
        "shadow": models.shadow_version,
        "promoted": store.promoted() if store else models.version,
        "versions": [summary(store.meta(v)) for v in store.versions()] if store else [],
        "promotions": [p.__dict__ for p in store.promotions()] if store else [],
    }


@router.get("", summary="模型版本与发布记录")
async def model_state(request: Request) -> dict[str, Any]:
    """The version in use, the candidate in shadow, every version's figures, the log."""
    return _state(request)


@router.post("/train", summary="用中心的历史数据训练新版本", responses=REFUSED)
async def train(body: Actor, request: Request) -> dict[str, Any]:
    """Train on the corpus plus corrections and closed cases; the new version runs in shadow."""
    models: LiveModels = request.app.state.models
    meta = await centre.train_version(
        request.app.state.sessions, request.app.state.common, models.base, _store(request)
    )
    return summary(meta)


@router.post("/versions/{version}/evaluate", summary="影子评估", responses=REFUSED)
async def evaluate(version: Version, body: Actor, request: Request) -> dict[str, Any]:
    """Score the version's shadow topics against the cases' final labels."""
    try:
        return await centre.evaluate_version(
            request.app.state.sessions, request.app.state.common, _store(request), version
        )
    except VersionError as exc:
        raise _refused(exc) from exc


@router.post("/promote", summary="发布模型版本", responses=REFUSED)
async def promote(body: Promotion, request: Request) -> dict[str, Any]:
    """Make a version the one dispatch uses (every process reloads it within seconds)."""
    try:
        centre.promote(_store(request), body.version, by=body.actor, force=body.force)
    except VersionError as exc:
        raise _refused(exc) from exc
    request.app.state.models.refresh()
    return _state(request)


@router.post("/rollback", summary="回退到上一个发布的版本", responses=REFUSED)
async def rollback(body: Actor, request: Request) -> dict[str, Any]:
    """Back to the version promoted before the current one (or the corpus model)."""
    try:
        _store(request).rollback(by=body.actor)
    except VersionError as exc:
        raise _refused(exc) from exc
    request.app.state.models.refresh()
    return _state(request)
