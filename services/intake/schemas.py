"""The shapes of intake's REST API: a case coming in, a case going out, errors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.common.request_types import RequestType
from services.intake.domain import Channel, is_valid_phone, normalise_phone
from services.intake.domain.model import has_control_chars

_REFERENCE = r"^(https?://[^\s]+|[A-Za-z0-9][A-Za-z0-9._:/-]*)$"


class CaseIn(BaseModel):
    """A new case as an operator or another system submits it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Channel = Field(description="受理渠道")
    caller_phone: str | None = Field(
        default=None, max_length=32, description="来电号码（手机或带区号固话）；匿名时可不填"
    )
    anonymous: bool = Field(default=False, description="匿名来电：不留姓名号码，不能回访")
    callback_consent: bool = Field(default=False, description="来电人同意回访")
    content: str = Field(min_length=5, max_length=4000, description="诉求内容")
    caller_name: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    grid_code: str | None = Field(default=None, max_length=64, description="网格编码")
    latitude: float | None = Field(default=None, ge=-90, le=90, description="纬度（WGS-84）")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="经度（WGS-84）")
    urgent: bool = False
    urgent_reason: str | None = Field(default=None, max_length=200, description="紧急原因")
    attachments: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="附件引用（URL 或存储编号），不传文件本身",
    )
    request_type: RequestType | None = Field(
        default=None,
        description="诉求类型：consultation 咨询、help 求助、complaint 投诉、report 举报、"
        "suggestion 建议、praise 表扬；不填时按诉求内容建议的类型受理",
    )
    answer: str | None = Field(
        default=None,
        max_length=4000,
        description="直接答复：咨询件在电话中已答复时填写答复内容，工单在受理环节即时办结，不派单",
    )
    answer_source: str | None = Field(
        default=None, pattern=r"^\d{1,12}$", description="答复所用的知识库条目编号"
    )
    on_spot_note: str | None = Field(
        default=None,
        max_length=4000,
        description="就地办结：网格员巡查发现并当场处理的问题，填写处理情况；仅限网格巡查渠道且须有"
        "网格编码，工单在受理环节即时办结，计入本网格，不派单",
    )
    operator: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="受理接线员：登录用户即为接线员（不必填写，填写他人将被拒绝）；"
        "API 客户端可填写其自有坐席工号",
    )

    @field_validator("caller_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not is_valid_phone(value):
            raise ValueError("电话号码格式不正确：应为 11 位手机号或带区号的固定电话")
        return normalise_phone(value)

    @field_validator("attachments")
    @classmethod
    def _references(cls, value: list[str]) -> list[str]:
        for item in value:
            if len(item) > 500 or not re.fullmatch(_REFERENCE, item):
                raise ValueError("附件应为 URL 或存储编号（不超过 500 个字符），不能直接上传文件")
        return value

    @field_validator(
        "content",
        "caller_name",
        "title",
        "address",
        "grid_code",
        "urgent_reason",
        "answer",
        "on_spot_note",
    )
    @classmethod
    def _no_control_chars(cls, value: str | None) -> str | None:
        if has_control_chars(value):
            raise ValueError("含有不可见的控制字符，请删除后重试")
        return value


class CaseCreated(BaseModel):
    """The number to read out to the caller, and the case a repeat call joined."""

    case_no: str
    status: str = Field(
        description="received（新工单）、merged（重复件，已并入原工单）"
        "或 closed（咨询已直接答复办结，或网格巡查就地办结）"
    )
    repeat_of: str | None = Field(description="重复件所并入的原工单编号")
    request_type: str | None = Field(default=None, description="诉求类型")
    message: str


class CaseOut(BaseModel):
    """A case as intake stored it; the caller's number and name masked (138****0000, 张*)."""

    case_no: str
    channel: str
    caller_name: str | None
    caller_phone: str | None
    anonymous: bool
    callback_consent: bool
    title: str | None
    content: str
    address: str | None
    grid_code: str | None
    latitude: float | None
    longitude: float | None
    urgent: bool
    urgent_reason: str | None
    attachments: list[str]
    operator: str | None
    service_code: str | None
    request_type: str | None = Field(default=None, description="诉求类型；早期工单为空")
    answer: str | None = Field(default=None, description="直接答复内容（咨询即时办结）")
    answer_source: str | None = None
    on_spot_note: str | None = Field(default=None, description="就地办结情况（网格巡查）")
    status: str
    state: str | None = Field(
        default=None, description="按号码查询时：办理状态（received、dispatched、closed 等）"
    )
    repeat_of: str | None
    repeats: list[str] = Field(description="并入本工单的重复来电")
    received_at: datetime
    closed_at: datetime | None


class Timeline(BaseModel):
    """A case with what the other services know of it; `unavailable` names who did not answer."""

    case: CaseOut
    dispatch: dict[str, Any] | None
    sla: dict[str, Any] | None
    notifications: list[dict[str, Any]]
    # The desk's case record told in Chinese (what, who, note per line), when it has one.
    record: list[dict[str, Any]] = []
    unavailable: list[str]


class Me(BaseModel):
    """The signed-in person as the console shows them."""

    username: str
    name: str
    role: str
    unit_id: str
    csrf: str = Field(description="每次提交时放在 X-CSRF-Token 请求头中")
    logout_url: str
    desk_url: str


class FieldError(BaseModel):
    """One invalid field."""

    field: str
    type: str
    message: str


class ErrorOut(BaseModel):
    """Every error of the REST API: a stable code and a Chinese message."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    errors: list[FieldError] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {"4XX": {"model": ErrorOut, "description": "输入有误"}}
