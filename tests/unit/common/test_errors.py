from enum import StrEnum
from typing import Any

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, field_validator

from services.common.errors import install_error_handlers, not_found


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"


class Complaint(BaseModel):
    title: str
    content: str = Field(min_length=5)
    channel: Channel
    phone: str

    @field_validator("phone")
    @classmethod
    def _mainland(cls, value: str) -> str:
        if not value.startswith("1"):
            raise ValueError("电话号码格式不正确")
        return value


VALID: dict[str, Any] = {
    "title": "路灯不亮",
    "content": "柳岸路的路灯坏了",
    "channel": "phone",
    "phone": "13800138000",
}


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/complaints")
    async def create(complaint: Complaint) -> dict[str, str]:
        return {"title": complaint.title}

    @app.get("/cases/{case_no}")
    async def case(case_no: str) -> dict[str, str]:
        raise not_found("工单", case_no)

    @app.get("/teapot")
    async def teapot() -> dict[str, str]:
        raise HTTPException(418, "我是茶壶")

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(build_app())


def errors_of(client: TestClient, body: dict[str, Any]) -> dict[str, dict[str, str]]:
    """POST a body that must be refused; its field errors by field name."""
    resp = client.post("/complaints", json=body)
    assert resp.status_code == 422
    data = resp.json()
    assert data["code"] == "validation_error"
    assert data["message"]
    for err in data["errors"]:
        assert set(err) == {"field", "type", "message"}
    return {err["field"]: err for err in data["errors"]}


def test_a_valid_body_passes(client: TestClient) -> None:
    resp = client.post("/complaints", json=VALID)

    assert resp.status_code == 200
    assert resp.json() == {"title": "路灯不亮"}


def test_a_missing_field_is_required(client: TestClient) -> None:
    body = {k: v for k, v in VALID.items() if k != "title"}

    errors = errors_of(client, body)

    assert errors == {"title": {"field": "title", "type": "missing", "message": "此项为必填项"}}


def test_a_too_short_field_names_its_minimum(client: TestClient) -> None:
    errors = errors_of(client, {**VALID, "content": "太短"})

    assert errors["content"]["type"] == "string_too_short"
    assert "至少 5 个字符" in errors["content"]["message"]


def test_an_invalid_enum_value_lists_the_choices(client: TestClient) -> None:
    errors = errors_of(client, {**VALID, "channel": "fax"})

    assert errors["channel"]["type"] == "enum"
    assert errors["channel"]["message"].startswith("取值无效，可选：")
    assert "phone" in errors["channel"]["message"]
    assert "web" in errors["channel"]["message"]


def test_a_validator_keeps_its_own_message(client: TestClient) -> None:
    errors = errors_of(client, {**VALID, "phone": "abc"})

    assert errors["phone"] == {
        "field": "phone",
        "type": "value_error",
        "message": "电话号码格式不正确",
    }


def test_every_invalid_field_is_reported(client: TestClient) -> None:
    errors = errors_of(client, {"content": "短", "channel": "fax", "phone": "000"})

    assert set(errors) == {"title", "content", "channel", "phone"}


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    resp = client.post(
        "/complaints", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert resp.status_code == 422
    data = resp.json()
    assert data["code"] == "validation_error"
    assert [err["type"] for err in data["errors"]] == ["json_invalid"]
    assert data["errors"][0]["message"] == "请求体不是有效的 JSON"


def test_a_json_array_is_not_an_object(client: TestClient) -> None:
    resp = client.post("/complaints", json=[1, 2])

    assert resp.status_code == 422
    assert resp.json()["errors"][0]["message"] == "请求体应为 JSON 对象"


def test_not_found_is_a_404_with_a_readable_message(client: TestClient) -> None:
    resp = client.get("/cases/20261122000001")

    assert resp.status_code == 404
    assert resp.json() == {"code": "not_found", "message": "未找到工单：20261122000001"}


def test_a_plain_http_error_gets_a_code_from_its_status(client: TestClient) -> None:
    resp = client.get("/teapot")

    assert resp.status_code == 418
    assert resp.json() == {"code": "http_418", "message": "我是茶壶"}


def test_an_unknown_route_keeps_the_code_and_message_shape(client: TestClient) -> None:
    resp = client.get("/nowhere")

    assert resp.status_code == 404
    assert resp.json() == {"code": "http_404", "message": "未找到请求的地址"}
