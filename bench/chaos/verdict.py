"""Pure rules of the reconciliation: what became of each acknowledged case, and the table.

A case is lost when something it was owed is missing (dispatch's assignment, its workflow
unless it waits for a human dispatcher or is a praise, which is closed at once, the citizen's
receipt SMS unless notify withdrew it because the case closed before it went out, its lines
in the desk's record); duplicated when it was dispatched twice (two first-dispatch events)
or got two workflows; a duplicate SMS is a second receipt text to the same case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

RECEIVED = "minhu.case.received.v1"
DISPATCHED = "minhu.case.dispatched.v1"
WITHDRAWN = "withdrawn"  # a notice a closed case no longer needs


@dataclass
class Facts:
    """What the databases, Kafka, Temporal and the SMS gateway hold about the drill's cases."""

    assigned: dict[str, bool] = field(default_factory=dict)  # case -> a workflow is owed
    dispatch_events: dict[str, set[str]] = field(default_factory=dict)  # first-dispatch ids
    workflows: dict[str, int] = field(default_factory=dict)  # case -> workflow runs
    receipts: dict[str, int] = field(default_factory=dict)  # case -> receipt SMS kept
    receipt_rows: dict[str, list[str]] = field(default_factory=dict)  # notify's, by status
    record: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)  # desk lines
    outbox: dict[str, int] = field(default_factory=dict)  # database -> unpublished events
    dead_letters: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    duplicate_sms: int = 0
    out_of_order: bool = False

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.duplicate_sms or self.out_of_order)


def judge(case_no: str, facts: Facts) -> Verdict:
    """The verdict on one acknowledged case."""
    v = Verdict()
    owed = facts.assigned.get(case_no)
    if owed is None:
        v.lost.append("not dispatched")
    dispatches = len(facts.dispatch_events.get(case_no, ()))
    if dispatches > 1:
        v.duplicated.append(f"dispatched {dispatches} times")
    runs = facts.workflows.get(case_no, 0)
    if runs == 0 and owed:
        v.lost.append("no workflow")
    if runs > 1:
        v.duplicated.append(f"{runs} workflows")
    receipts = facts.receipts.get(case_no, 0)
    planned = facts.receipt_rows.get(case_no, [])
    if not planned:
        v.lost.append("no receipt planned")
    elif receipts == 0 and set(planned) != {WITHDRAWN}:
        v.lost.append(f"no receipt SMS ({', '.join(sorted(set(planned)))})")
    v.duplicate_sms = max(0, receipts - 1)
    lines = facts.record.get(case_no, [])
    received = [at for kind, at in lines if kind == RECEIVED]
    dispatched = [at for kind, at in lines if kind == DISPATCHED]
    if not received or (owed is not None and not dispatched):
        v.lost.append("not in the desk's record")
    if len(received) > 1 or len(dispatched) > 1:
        v.duplicated.append("twice in the desk's record")
    if received and dispatched and min(dispatched) < min(received):
        v.out_of_order = True
    return v


@dataclass
class Row:
    """One line of the table: a fault and the cases acknowledged from it until the next."""

    fault: str
    acknowledged: int = 0
    refused: int = 0
    lost: int = 0
    duplicated: int = 0
    duplicate_sms: int = 0
    out_of_order: int = 0
    recover_s: float | None = None
    examples: list[str] = field(default_factory=list)

    def add(self, case_no: str, v: Verdict) -> None:
        self.acknowledged += 1
        self.lost += bool(v.lost)
        self.duplicated += bool(v.duplicated)
        self.duplicate_sms += v.duplicate_sms
        self.out_of_order += v.out_of_order
        if not v.ok and len(self.examples) < 5:
            self.examples.append(f"{case_no}: {', '.join(v.lost + v.duplicated) or 'order'}")


def window_of(sent: float, starts: list[float]) -> int:
    """Index of the window (by its start time, ascending) a POST sent at `sent` falls in."""
    i = 0
    for n, start in enumerate(starts):
        if sent >= start:
            i = n
    return i


def failed(rows: list[Row], facts: Facts) -> list[str]:
    """Why the drill fails: any loss, duplicate, duplicate SMS, order, unrecovered fault, or
    event left in an outbox."""
    out = []
    for r in rows:
        for what, n in (
            ("lost", r.lost),
            ("duplicated", r.duplicated),
            ("duplicate SMS", r.duplicate_sms),
            ("out of order", r.out_of_order),
        ):
            if n:
                out.append(f"{r.fault}: {n} {what}")
        if r.recover_s is None and r.fault != rows[0].fault:
            out.append(f"{r.fault}: did not recover")
    out += [f"outbox of {db}: {n} unpublished" for db, n in facts.outbox.items() if n]
    return out


def markdown(rows: list[Row], facts: Facts) -> str:
    """The table (Markdown), then the outboxes and every dead letter with its reason."""
    head = (
        "| fault | acknowledged | refused | lost | duplicated | duplicate SMS | out of order "
        "| seconds to recover |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in rows:
        rec = "-" if r.recover_s is None else f"{r.recover_s:.1f}"
        lines.append(
            f"| {r.fault} | {r.acknowledged} | {r.refused} | {r.lost} | {r.duplicated} "
            f"| {r.duplicate_sms} | {r.out_of_order} | {rec} |"
        )
    total = Row("total")
    for r in rows:
        for name in ("acknowledged", "refused", "lost", "duplicated", "duplicate_sms"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.out_of_order += r.out_of_order
    lines.append(
        f"| **total** | {total.acknowledged} | {total.refused} | {total.lost} "
        f"| {total.duplicated} | {total.duplicate_sms} | {total.out_of_order} | |"
    )
    outbox = ", ".join(f"{db} {n}" for db, n in sorted(facts.outbox.items())) or "none read"
    tail = [f"\nUnpublished outbox events: {outbox}.", f"Dead letters: {len(facts.dead_letters)}."]
    tail += [f"- {d['id']} {d['case_no'] or '-'}: {d['reason']}" for d in facts.dead_letters]
    for r in rows:
        tail += [f"- {r.fault}: {e}" for e in r.examples]
    return head + "\n".join(lines) + "\n" + "\n".join(tail) + "\n"


def as_json(rows: list[Row], facts: Facts, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "rows": [r.__dict__ for r in rows],
        "outbox": facts.outbox,
        "dead_letters": facts.dead_letters,
        "failed": failed(rows, facts),
    }
