"""Reading the facts of the drill's cases from where they live: dispatch's, the desk's and
notify's databases, case.dispatched on Kafka, Temporal's visibility and the SMS gateway
simulator's kept texts."""

from __future__ import annotations

import contextlib
import pathlib
from collections import defaultdict
from datetime import datetime

import asyncpg
import httpx
import yaml
from aiokafka import AIOKafkaConsumer
from temporalio.client import Client, WorkflowExecutionStatus

from bench.chaos.verdict import DISPATCHED, RECEIVED, Facts
from services.common import deadletters
from services.common.events import Topic, decode
from services.common.request_types import Path, path_of
from services.common.settings import SERVICES
from services.sla.contracts import workflow_id

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATABASES = ("minhu_intake", "minhu_dispatch", "minhu_sla", "minhu_notify", "minhu_desk")
RECEIPT_CODE = yaml.safe_load(
    (ROOT / "services/notify/templates/sms.yaml").read_text(encoding="utf-8")
)["citizen_received"]


class Addresses:
    """The stack's addresses, from the MINHU_* environment of `deploy/stack.py env`."""

    def __init__(self, env: dict[str, str]) -> None:
        self.intake = env["MINHU_INTAKE_URL"]
        self.kafka = env["MINHU_KAFKA_BOOTSTRAP"]
        self.temporal = env["MINHU_TEMPORAL_ADDRESS"]
        self.smsgw = env["MINHU_NOTIFY_SMS_GATEWAY_URL"]
        self._pg = (env["MINHU_PG_PASSWORD"], env["MINHU_PG_HOST"], env["MINHU_PG_PORT"])

    def dsn(self, database: str) -> str:
        password, host, port = self._pg
        return f"postgresql://minhu:{password}@{host}:{port}/{database}"


async def _fetch(dsn: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def assigned(at: Addresses, cases: list[str]) -> dict[str, bool]:
    """Dispatched cases, each with whether a workflow is owed: not while it waits for a human
    dispatcher, never for a praise (forwarded to its unit and closed)."""
    rows = await _fetch(
        at.dsn("minhu_dispatch"),
        "SELECT case_no, manual, request_type FROM assignments WHERE case_no = ANY($1::text[])",
        cases,
    )
    return {
        r["case_no"]: not r["manual"] and path_of(r["request_type"]) is not Path.FORWARD
        for r in rows
    }


async def receipt_rows(at: Addresses, cases: list[str]) -> dict[str, list[str]]:
    """The statuses of notify's receipt SMS deliveries of each case."""
    rows = await _fetch(
        at.dsn("minhu_notify"),
        "SELECT case_no, status FROM notifications WHERE template = 'citizen_received' "
        "AND channel = 'sms' AND case_no = ANY($1::text[])",
        cases,
    )
    out: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        out[r["case_no"]].append(r["status"])
    return out


async def first_dispatches(at: Addresses, cases: set[str]) -> dict[str, set[str]]:
    """Distinct ids of each case's first-dispatch events on case.dispatched (a record
    published twice by a relay is one event; two ids are two dispatches)."""
    out: dict[str, set[str]] = defaultdict(set)
    consumer = AIOKafkaConsumer(
        Topic.DISPATCHED,
        bootstrap_servers=at.kafka,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        parts = consumer.assignment()
        while not parts:
            await consumer.getmany(timeout_ms=200)
            parts = consumer.assignment()
        ends = await consumer.end_offsets(list(parts))
        for tp in parts:
            consumer.seek(tp, 0)
        todo = {tp for tp in parts if ends[tp] > 0}
        while todo:
            batch = await consumer.getmany(*todo, timeout_ms=1000, max_records=5000)
            for tp, records in batch.items():
                for record in records:
                    with contextlib.suppress(ValueError):
                        env, payload = decode(record.value)
                        if env.subject in cases and payload.attempt == 0:  # type: ignore[attr-defined]
                            out[env.subject].add(env.id)
                    if record.offset + 1 >= ends[tp]:
                        todo.discard(tp)
    finally:
        await consumer.stop()
    return out


async def workflows(at: Addresses, cases: set[str], since: datetime) -> dict[str, int]:
    """Workflow runs of each case started since the drill began (continued runs not counted)."""
    client = await Client.connect(at.temporal)
    ids = {workflow_id(c): c for c in cases}
    out: dict[str, int] = defaultdict(int)
    query = f"WorkflowType = 'CaseWorkflow' AND StartTime >= '{since.isoformat()}'"
    async for wf in client.list_workflows(query, page_size=1000):
        case = ids.get(wf.id)
        if case and wf.status != WorkflowExecutionStatus.CONTINUED_AS_NEW:
            out[case] += 1
    return out


async def receipts(at: Addresses, phones: dict[str, str]) -> dict[str, int]:
    """Receipt texts the gateway kept for each case, by the case's caller number."""
    case_of = {phone: case for case, phone in phones.items()}
    async with httpx.AsyncClient(timeout=60) as http:
        kept = (await http.get(f"{at.smsgw}/v1/messages")).json()
    out: dict[str, int] = defaultdict(int)
    for m in kept:
        case = case_of.get(m["to"])
        if case and m["template_id"] == RECEIPT_CODE:
            out[case] += 1
    return out


async def record(at: Addresses, cases: list[str]) -> dict[str, list[tuple[str, datetime]]]:
    rows = await _fetch(
        at.dsn("minhu_desk"),
        "SELECT case_no, event_type, at FROM record_entries "
        "WHERE case_no = ANY($1::text[]) AND event_type = ANY($2::text[]) ORDER BY seq",
        cases,
        [RECEIVED, DISPATCHED],
    )
    out: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for r in rows:
        out[r["case_no"]].append((r["event_type"], r["at"]))
    return out


async def outboxes(at: Addresses) -> dict[str, int]:
    out = {}
    for db in DATABASES:
        (row,) = await _fetch(at.dsn(db), "SELECT to_regclass('outbox') IS NOT NULL AS has")
        if row["has"]:
            (n,) = await _fetch(
                at.dsn(db), "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
            )
            out[db] = int(n["n"])
    return out


async def dead_letters(at: Addresses, cases: set[str]) -> list[dict[str, str]]:
    """Consumers' dead letters and notify's dead deliveries of the drill's cases (other
    cases of a shared stack are not the drill's to explain)."""
    letters = await deadletters.read(at.kafka, SERVICES)
    out = [
        {"id": x.id, "case_no": x.case_no, "reason": x.reason}
        for x in letters
        if x.case_no in cases or not x.case_no
    ]
    rows = await _fetch(
        at.dsn("minhu_notify"),
        "SELECT id, case_no, channel, template, last_error FROM notifications "
        "WHERE status = 'dead' AND case_no = ANY($1::text[])",
        list(cases),
    )
    out += [
        {
            "id": f"delivery:{r['id']}",
            "case_no": r["case_no"],
            "reason": f"{r['channel']} {r['template']}: {(r['last_error'] or '').splitlines()[:1]}",
        }
        for r in rows
    ]
    return out


async def gather(
    at: Addresses, phones: dict[str, str], since: datetime, *, full: bool = True
) -> Facts:
    """Every fact about the cases (`phones`: case number -> the caller's number). Without
    `full`, only what tells whether the cases have drained (no Kafka, no dead letters)."""
    cases = list(phones)
    wanted = set(cases)
    facts = Facts(
        assigned=await assigned(at, cases),
        workflows=await workflows(at, wanted, since),
        receipts=await receipts(at, phones),
        receipt_rows=await receipt_rows(at, cases),
        record=await record(at, cases),
        outbox=await outboxes(at),
    )
    if full:
        facts.dispatch_events = await first_dispatches(at, wanted)
        facts.dead_letters = await dead_letters(at, wanted)
    return facts


async def one_case(at: Addresses, case_no: str, phone: str) -> Facts:
    """The facts of one fresh case (its workflow asked of Temporal directly, visibility may
    lag); no Kafka, no outboxes."""
    owed = await assigned(at, [case_no])
    runs = 0
    if owed.get(case_no):
        client = await Client.connect(at.temporal)
        await client.get_workflow_handle(workflow_id(case_no)).describe()
        runs = 1
    return Facts(
        assigned=owed,
        workflows={case_no: runs},
        receipts=await receipts(at, {case_no: phone}),
        receipt_rows=await receipt_rows(at, [case_no]),
        record=await record(at, [case_no]),
    )
