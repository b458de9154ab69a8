"""The JSON shapes Open311 answers with, for the OpenAPI document (XML mirrors them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorItem(BaseModel):
    """One problem, in the spec's error format."""

    code: int
    description: str


class ServiceItem(BaseModel):
    """One service of GET services."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class AttributeValue(BaseModel):
    """One choice of a list attribute."""

    key: str
    name: str


class Attribute(BaseModel):
    """One attribute of a service definition."""

    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue]


class Definition(BaseModel):
    """GET services/{service_code}."""

    service_code: str
    attributes: list[Attribute]


class Created(BaseModel):
    """One element of the POST requests answer."""

    service_request_id: str
    token: str | None
    service_notice: str
    account_id: str | None


class RequestItem(BaseModel):
    """One service request of GET requests."""

    service_request_id: str
    status: str
    status_notes: str
    service_name: str | None
    service_code: str | None
    description: str
    agency_responsible: str | None
    service_notice: str
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    request_type: str = Field(default="", description="诉求类型（扩展字段）；早期工单为空")


class TokenItem(BaseModel):
    """GET tokens/{token}."""

    service_request_id: str
    token: str


class Endpoint(BaseModel):
    """One endpoint listed by discovery."""

    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(BaseModel):
    """GET discovery."""

    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


_XML = {"text/xml": {"schema": {"type": "string"}}}


def _responses(model: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": model, "content": _XML, "description": "JSON（.json）或 XML（.xml）"},
        "4XX": {"model": list[ErrorItem], "content": _XML, "description": "Open311 错误列表"},
    }


DISCOVERY = _responses(Discovery)
SERVICES = _responses(list[ServiceItem])
DEFINITION = _responses(Definition)
CREATED = _responses(list[Created], 201)
REQUESTS = _responses(list[RequestItem])
TOKENS = _responses(list[TokenItem])
