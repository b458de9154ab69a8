"""Callers sealed, shown masked, pseudonymised after retention; the audit's filters."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

from services.common import pii
from services.common.jurisdiction import Directory
from services.desk import audit
from services.desk.board.queries import Scope
from services.desk.pseudonymise import due, due_statement
from services.desk.record import callers
from services.desk.record.entries import RECEIVED, entry_of, mask_recipient
from services.desk.search.query import NO_REF, Search, by_phone, conditions
from services.desk.ui.audit import cell
from services.desk.ui.caller import route_of
from services.desk.ui.casepage import caller_line, export_caller
from services.desk.ui.users import User

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SEALER = pii.Sealer(pii.local_keys(), pii.local_index_key())
PHONE = "13800138000"


def received(fields: dict[str, Any]) -> Any:
    return entry_of(
        event_type=RECEIVED,
        event_id="ev-1",
        source="minhu/intake",
        case_no="20261130000001",
        time=T0,
        fields={"case_no": "20261130000001", "title": "路灯不亮", **fields},
    )


def row_of(entry: Any) -> dict[str, Any]:
    sealed, ref = callers.stored(entry.caller, SEALER)
    return {
        "case_no": entry.case_no,
        "caller_sealed": sealed,
        "caller_ref": ref,
        "anonymous": entry.caller.anonymous,
        "callback_consent": entry.caller.callback_consent,
        "pseudonymised_at": None,
    }


def test_an_older_events_plain_caller_is_sealed_and_never_in_the_entry() -> None:
    entry = received({"caller_name": "张三", "caller_phone": PHONE, "callback_consent": True})
    text = json.dumps(entry.data, ensure_ascii=False)
    assert PHONE not in text and "张三" not in text
    row = row_of(entry)
    assert PHONE not in row["caller_sealed"] and row["caller_ref"] == SEALER.index(PHONE)
    assert callers.full(row, SEALER) == pii.Caller("张三", PHONE)


def test_a_newer_events_sealed_caller_is_kept_as_sealed_and_not_in_the_entry() -> None:
    sealed = SEALER.seal(pii.Caller("李四", PHONE))
    entry = received({"caller_sealed": sealed, "caller_ref": SEALER.index(PHONE)})
    assert "caller_sealed" not in entry.data and "caller_ref" not in entry.data
    row = row_of(entry)
    assert row["caller_sealed"] == sealed and row["caller_ref"] == SEALER.index(PHONE)


def test_every_page_and_export_shows_the_caller_masked() -> None:
    entry = received({"caller_name": "欧阳娜娜", "caller_phone": PHONE, "callback_consent": True})
    shown = callers.shown(row_of(entry), SEALER)
    assert shown.phone == "138****8000" and shown.name == "欧***"
    assert shown.as_dict()["caller_phone"] == "138****8000"
    line = caller_line(shown)
    assert PHONE not in line and "138****8000" in line and "欧阳" not in line
    assert export_caller(shown) == ["来电号码", "138****8000", "来电人", "欧***"]


def test_an_unreadable_or_pseudonymised_caller_shows_nothing_personal() -> None:
    other = pii.Sealer([pii.new_key()], "other")
    row = row_of(received({"caller_name": "张三", "caller_phone": PHONE}))
    assert callers.shown(row, other).phone == ""
    marker = callers.pseudonym()
    gone = {**row, "caller_sealed": marker, "caller_ref": marker, "pseudonymised_at": T0}
    assert callers.is_pseudonymised(gone) and callers.full(gone, SEALER) == pii.Caller()
    assert "已匿名化" in caller_line(callers.shown(gone, SEALER))
    assert export_caller(callers.shown(gone, SEALER))[1] == "已匿名化"
    assert callers.pseudonym() != marker  # no two cases share a marker


def test_search_by_phone_matches_the_blind_index_not_the_number() -> None:
    search = by_phone(Search(phone="138 0013 8000"), SEALER)
    assert search.caller_ref == SEALER.index(PHONE)
    sql = str(
        conditions(search, Scope("all"))[-1].compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    assert "caller_ref" in sql and PHONE not in sql
    assert by_phone(Search(phone="abc"), SEALER).caller_ref == NO_REF


@pytest.mark.parametrize(
    ("state", "closed_days_ago", "pseudonymised", "expected"),
    [
        ("closed", 181, False, True),
        ("closed", 179, False, False),
        ("closed", 181, True, False),
        ("resolved", 400, False, False),
        ("dispatched", None, False, False),
    ],
)
def test_a_caller_is_due_once_its_case_has_been_closed_longer_than_the_retention(
    state: str, closed_days_ago: int | None, pseudonymised: bool, expected: bool
) -> None:
    closed = None if closed_days_ago is None else T0 - timedelta(days=closed_days_ago)
    assert (
        due(
            state=state,
            closed_at=closed,
            pseudonymised_at=T0 if pseudonymised else None,
            now=T0,
            days=180,
        )
        is expected
    )


def test_the_due_statement_applies_the_same_rule() -> None:
    sql = str(due_statement(T0, 180).compile(dialect=postgresql.dialect()))
    for part in ("pseudonymised_at IS NULL", "board_cases.state", "board_cases.closed_at <"):
        assert part in sql


def test_the_audit_query_reads_its_filters_and_refuses_bad_ones_in_chinese() -> None:
    q = audit.query_of(
        {"username": " paidan ", "case_no": "20261130000001", "since": "2026-12-01", "page": "2"}
    )
    assert q == audit.AuditQuery(
        username="paidan", case_no="20261130000001", since=date(2026, 12, 1), page=2
    )
    assert audit.query_of({}) == audit.AuditQuery()
    for bad, words in (
        ({"since": "12/01"}, "起始日期"),
        ({"case_no": "x1"}, "工单编号"),
        ({"since": "2026-12-02", "until": "2026-12-01"}, "不能晚于"),
        ({"page": "two"}, "页码"),
    ):
        with pytest.raises(audit.BadQuery, match=words):
            audit.query_of(bad)


def test_the_audit_filters_become_where_clauses_and_pages_are_newest_first() -> None:
    assert audit.conditions(audit.AuditQuery()) == []
    q = audit.AuditQuery(
        username="paidan", case_no="1", since=date(2026, 12, 1), until=date(2026, 12, 1), page=3
    )
    where = audit.conditions(q)
    assert len(where) == 4
    sql = str(audit.statement(q).compile(dialect=postgresql.dialect()))
    assert "ORDER BY access_audit.at DESC, access_audit.id DESC" in sql
    assert "LIMIT" in sql and "OFFSET" in sql
    # The until day is inclusive: the bound is the next local midnight.
    bound = where[3].right.value  # type: ignore[attr-defined]
    assert bound == datetime(2026, 12, 2, tzinfo=audit.LOCAL)


def test_a_notices_recipient_never_keeps_a_number_whatever_the_channel() -> None:
    assert mask_recipient("sms", PHONE) == "138****8000"
    assert mask_recipient("webhook", f"tel:{PHONE}") == "tel:138****8000"
    assert mask_recipient("in_app", "U-D01-T01-V01") == "U-D01-T01-V01"


def test_a_dispatchers_read_of_a_resolved_case_is_for_the_callback_survey() -> None:
    directory = Directory.from_file()
    dispatcher = User("paidan", "郑派单员", "U-D01-DBZX", "dispatcher", "")
    row = {"unit_id": "U-D01-T01-V01", "township_id": "D01-T01", "district_id": "D01"}
    assert route_of(dispatcher, {**row, "state": "resolved"}, directory) == "callback_survey"
    assert route_of(dispatcher, {**row, "state": "dispatched"}, directory) == "case_page"


def test_an_audit_export_cell_never_starts_a_formula() -> None:
    assert cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert cell("@SUM(A1)") == "'@SUM(A1)" and cell("Mozilla/5.0") == "Mozilla/5.0"
