"""The POST requests form and its translation into an intake case."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.common.request_types import parse, suggest
from services.intake.domain import Channel, is_valid_phone, normalise_phone, valid_position
from services.intake.domain.model import has_control_chars
from services.intake.open311.catalog import Service
from services.intake.store import NewCase


class RequestForm(BaseModel):
    """GeoReport v2 POST requests parameters (form-encoded)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)

    # The client's key, here or in the X-API-Key header (read by intake's authenticator).
    api_key: str | None = Field(default=None, max_length=200)
    service_code: str = Field(max_length=16)
    jurisdiction_id: str | None = Field(default=None, max_length=100)
    lat: float | None = None
    long: float | None = None
    address_string: str | None = Field(default=None, max_length=300)
    address_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=200)
    device_id: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=32)
    last_name: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    description: str | None = Field(default=None, max_length=4000)
    media_url: str | None = Field(default=None, max_length=500)
    subcategory: str | None = Field(
        default=None, alias="attribute[subcategory]", max_length=16, description="具体事项编号"
    )
    request_type: str | None = Field(
        default=None, alias="attribute[request_type]", max_length=16, description="诉求类型"
    )


def to_new_case(
    form: RequestForm, service: Service, subcategory: str | None
) -> tuple[NewCase | None, list[str]]:
    """The case the form asks for, or None and one Chinese sentence per problem."""
    problems: list[str] = []
    texts = {
        "address_string": form.address_string,
        "address_id": form.address_id,
        "first_name": form.first_name,
        "last_name": form.last_name,
        "description": form.description,
        "media_url": form.media_url,
    }
    problems += [f"{k}：含有不可见的控制字符" for k, v in texts.items() if has_control_chars(v)]
    if not form.description or len(form.description) < 5:
        problems.append("description：诉求内容过短，至少 5 个字符")
    if not valid_position(form.lat, form.long):
        problems.append("lat/long：经纬度须同时提供且在有效范围内")
    located = form.lat is not None or form.address_string or form.address_id
    if not located:
        problems.append("位置：lat/long、address_string 或 address_id 至少提供一项")
    if form.phone and not is_valid_phone(form.phone):
        problems.append("phone：电话号码格式不正确：应为 11 位手机号或带区号的固定电话")
    if form.media_url and not form.media_url.startswith(("http://", "https://")):
        problems.append("media_url：应为 http(s) 地址")
    if form.request_type and parse(form.request_type) is None:
        problems.append(f"attribute[request_type]：取值无效：{form.request_type}")
    if problems:
        return None, problems
    kind = parse(form.request_type) or suggest(form.description or "").type
    name = "".join(p for p in (form.last_name, form.first_name) if p) or None
    title = f"{service.name}：{subcategory}" if subcategory else service.name
    phone = normalise_phone(form.phone) if form.phone else None
    return (
        NewCase(
            channel=Channel.OPEN311.value,
            content=form.description or "",
            caller_phone=phone,
            caller_name=name,
            title=title,
            address=form.address_string,
            grid_code=form.address_id,
            latitude=form.lat,
            longitude=form.long,
            attachments=[form.media_url] if form.media_url else [],
            anonymous=phone is None,
            callback_consent=phone is not None,
            service_code=service.code,
            request_type=kind.value,
        ),
        [],
    )
