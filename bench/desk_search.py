"""Desk search and report latency on a board of a million synthetic cases.

Creates a separate database on the PostgreSQL of a stack profile, applies the desk's
migrations, loads synthetic cases (board rows, callers, marks and a few record entries per
case) whose titles and contents are recombined from the project's corpus and the real
messages in ../shared/data (read at run time, never stored in the repository), then times
the desk's own search code (services.desk.search.query.run) and one month's report (the
database's counts + build). Prints a Markdown table, writes test-artifacts/desk_search_bench.json.

    .venv/bin/python deploy/stack.py --profile test-5 up postgres
    eval "$(.venv/bin/python deploy/stack.py --profile test-5 env)"
    .venv/bin/python bench/desk_search.py                  # 1,000,000 cases (a long load)
    .venv/bin/python bench/desk_search.py --rows 20000     # quick check
    .venv/bin/python bench/desk_search.py --reuse          # measure again, no reload
    .venv/bin/python bench/desk_search.py --reuse --try-fixes   # + every candidate fix
    .venv/bin/python bench/desk_search.py --reuse --only text --fixed-only \
        --try-fixes sort_received_desc,jit_off,words_statistics     # some fixes, some classes
    .venv/bin/python deploy/stack.py --profile test-5 down

The target is a search p95 of at most 300 ms; the figures are reported, never asserted. A
class far over it stops after --budget seconds (its n is then below --queries). Candidate
fixes (QUERY_FIXES, CANDIDATES) change only this process or the bench database, never the
repository's code or migrations. The words stored per case are the jieba words of its
pieces (title, content, appended sentences), each piece cut once: jieba cuts every block
between punctuation on its own, so this equals search_words(title + " " + content), which
the load checks on a sample of rows ("words_mismatched" in the JSON).
Without MINHU_PG_HOST in the environment it says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # type: ignore[import-untyped]
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.db import make_engine, make_sessionmaker, migrate
from services.common.jurisdiction import Directory
from services.common.pii import Caller as PiiCaller
from services.common.pii import Sealer, local_index_key, local_keys
from services.common.settings import CommonSettings
from services.desk import tables
from services.desk.board.projector import place
from services.desk.board.queries import Scope
from services.desk.reports.figures import LOCAL, build, period
from services.desk.reports.queries import breakdowns, unit_counts
from services.desk.search import query as search_query
from services.desk.search.query import (
    COUNT_CAP,
    Search,
    by_phone,
    count_statement,
    run,
    statement,
)
from services.desk.search.words import search_words, words
from services.desk.ui.access import holds

ROOT = Path(__file__).resolve().parent.parent
_SORT_AS_SHIPPED = search_query.SORTS["received_desc"]
_CAP_AS_SHIPPED = search_query.COUNT_CAP
MIGRATIONS = ROOT / "services/desk/migrations/versions"
CORPUS = sorted((ROOT / "services/dispatch/model").glob("corpus_*.tsv"))
MESSAGES = Path(
    os.environ.get("MINHU_BENCH_MESSAGES", ROOT.parent / "shared/data/messages_unlabelled.jsonl")
)
ARTIFACT = ROOT / "test-artifacts/desk_search_bench.json"
TARGET_MS = 300.0
BATCH = 20_000
DAYS = 730

OPEN_STATES = ("dispatched", "accepted", "in_progress", "resolved", "reopened", "bounced")
CHANNELS = {
    "phone": 55,
    "wechat": 15,
    "web": 12,
    "app": 8,
    "grid_patrol": 5,
    "open311": 3,
    "home_visit": 2,
}
DIFFICULTIES = {"simple": 15, "general": 68, "complex": 12, "legacy": 5}
# Hours from dispatch to 办结, by difficulty (median of a log-normal spread).
HANDLING_HOURS = {"simple": 20.0, "general": 70.0, "complex": 220.0, "legacy": 400.0}
RESOLVE_DAYS = {"simple": 3, "general": 10, "complex": 20, "legacy": 30}
CLOSE_REASONS = {"callback_satisfied": 76, "supervisor": 14, "merged": 5, "rejected": 5}
# Extra text a case may carry, joined at a sentence end so jieba cuts it on its own.
TITLE_TAGS = ("", "", "", "", "【再次反映】", "【紧急】", "【咨询】", "【投诉】", "【建议】")
FOLLOW_UPS = (
    "已经反映过好几次了，一直没有解决。",
    "希望有关部门尽快派人到现场处理。",
    "请相关部门给个答复。",
    "麻烦尽快处理，谢谢！",
    "周边居民意见很大。",
    "之前打过电话，说会处理，但是到现在还是老样子。",
    "请领导重视这个问题。",
    "联系电话已留，方便的话请回电。",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")  # what jieba keeps in one block
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]")


# --------------------------------------------------------------------------- text sources


@dataclass(frozen=True)
class Base:
    """One text a case can be built on: a corpus line or a real message."""

    title: str
    content: str
    topic: str
    difficulty: str
    real: bool


def read_bases(rng: random.Random) -> tuple[list[Base], list[str], list[str]]:
    """(bases, topics, extra sentences) from the corpus and the real messages."""
    bases: list[Base] = []
    for path in CORPUS:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 4 and parts[2].strip() and parts[3].strip():
                bases.append(Base(parts[2].strip(), parts[3].strip(), parts[0], parts[1], False))
    topics = sorted({b.topic for b in bases})
    sentences: list[str] = []
    if MESSAGES.exists():
        for line in MESSAGES.read_text(encoding="utf-8").splitlines():
            msg = json.loads(line)
            title, text = str(msg.get("title") or "").strip(), str(msg.get("text") or "").strip()
            if not title or not text:
                continue
            text = re.sub(r"\s+", " ", text)
            # The messages carry no topic: give each one a fixed, plausible label.
            topic, difficulty = rng.choice(topics), pick(rng, DIFFICULTIES)
            bases.append(Base(title, text, topic, difficulty, True))
            sentences += [s for s in _SENTENCE.findall(text) if 8 <= len(s) <= 60]
    rng.shuffle(sentences)
    return bases, topics, sentences[:3000]


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    """One key of a weight table."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def joined(pieces: Iterable[str]) -> str:
    """Pieces as one text, a sentence end between any two that would run into each other."""
    out = ""
    for piece in pieces:
        if not piece:
            continue
        if out and _BLOCK.match(out[-1]) and _BLOCK.match(piece[0]):
            out += "。"
        out += piece
    return out


# Words of each distinct piece, filled before the generator processes fork.
_WORDS: dict[str, tuple[str, ...]] = {}


def _piece_words(piece: str) -> tuple[str, tuple[str, ...]]:
    return piece, tuple(words(piece))


def fill_words(pieces: set[str], workers: int) -> None:
    """jieba words of every piece, once each, on `workers` processes."""
    todo = sorted(p for p in pieces if p and p not in _WORDS)
    if workers > 1:
        with mp.get_context("fork").Pool(workers) as pool:
            _WORDS.update(pool.imap_unordered(_piece_words, todo, chunksize=64))
    else:
        _WORDS.update(map(_piece_words, todo))


def composed_words(pieces: Iterable[str]) -> str:
    """search_words of the pieces joined: jieba cuts each block on its own, so the words of
    a text joined at block boundaries are its pieces' words in order, each kept once."""
    seen: dict[str, None] = {}
    for piece in pieces:
        for word in _WORDS.get(piece, ()):
            seen.setdefault(word, None)
    return " ".join(seen)


# --------------------------------------------------------------------------- generator


@dataclass
class World:
    """What every generated batch draws from (shared with the generator processes)."""

    bases: list[Base]
    sentences: list[str]
    units: list[dict[str, str]]
    unit_weights: list[float]
    places: list[str]
    now: datetime
    seed: int
    entries: bool
    frequent_callers: int


@dataclass
class Batch:
    """One batch of rows for each table, in COPY column order."""

    cases: list[tuple[Any, ...]] = field(default_factory=list)
    callers: list[tuple[Any, ...]] = field(default_factory=list)
    marks: list[tuple[Any, ...]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)


CASE_COLUMNS = [
    "case_no",
    "unit_id",
    "unit_name",
    "tier",
    "district_id",
    "township_id",
    "topic",
    "difficulty",
    "urgent",
    "state",
    "state_at",
    "placed_at",
    "light",
    "accept_due",
    "resolve_due",
    "escalation_level",
    "supervised",
    "extension_pending",
    "extension_note",
    "dispatched_at",
    "resolved_at",
    "closed_at",
    "close_reason",
    "received_at",
    "channel",
    "title",
    "content",
    "address",
    "updated_at",
    "version",
    "words_text",
]
CALLER_COLUMNS = ["case_no", "caller_sealed", "caller_ref", "anonymous", "callback_consent"]
# The bench database's callers are sealed under the local keys, as the desk would seal them.
SEALER = Sealer(local_keys(), local_index_key())
MARK_COLUMNS = ["case_no", "unit_id", "mark", "at"]
ENTRY_COLUMNS = ["case_no", "event_id", "event_type", "source", "kind", "at", "unit_id", "note"]
ENTRY_COLUMNS += ["data"]

_WORLD: World | None = None


def _init_world(world: World) -> None:
    global _WORLD
    _WORLD = world


def phone_of(n: int) -> str:
    """A mobile number from a caller's index, the same on every run."""
    prefix = ("138", "139", "150", "158", "177", "186", "189", "199")[n % 8]
    return f"{prefix}{(n * 2_654_435_761) % 100_000_000:08d}"


def generate(spec: tuple[int, list[tuple[date, int]]]) -> Batch:
    """The rows of a batch: the cases of some consecutive days, numbered per day."""
    assert _WORLD is not None
    w = _WORLD
    index, days = spec
    rng = random.Random(w.seed * 1_000_003 + index)
    out = Batch()
    hot = w.bases[: max(1, len(w.bases) // 100)]
    for day, n in days:
        start = datetime(day.year, day.month, day.day, tzinfo=LOCAL)
        # Calls cluster in the day: few at night, most between 8 and 22.
        seconds = sorted(
            int(rng.triangular(0, 86_399, 13 * 3600))
            if rng.random() < 0.93
            else rng.randrange(86_400)
            for _ in range(n)
        )
        for seq, sec in enumerate(seconds, 1):
            received = start + timedelta(seconds=sec)
            if received >= w.now:
                received = w.now - timedelta(minutes=rng.randrange(1, 600))
            _case(rng, w, out, f"{day:%Y%m%d}{seq:06d}", received, hot)
    return out


def _case(
    rng: random.Random, w: World, out: Batch, case_no: str, received: datetime, hot: list[Base]
) -> None:
    base = rng.choice(hot) if rng.random() < 0.05 else rng.choice(w.bases)
    tag = rng.choice(TITLE_TAGS)
    title = tag + base.title
    pieces = [tag, base.title, base.content]
    extra = rng.random()
    if extra < 0.35:
        pieces.append(rng.choice(w.sentences))
    if extra < 0.10:
        pieces.append(rng.choice(w.sentences))
    if rng.random() < 0.25:
        pieces.append(rng.choice(FOLLOW_UPS))
    content = joined(pieces[2:])
    text_words = composed_words(pieces)
    if len(out.checks) < 40:
        out.checks.append((f"{title} {content}", text_words))
    unit = rng.choices(w.units, weights=w.unit_weights)[0]
    difficulty = base.difficulty
    channel = pick(rng, CHANNELS)
    dispatched = received + timedelta(seconds=rng.randrange(60, 3600))
    accept_due = dispatched + timedelta(hours=2 if difficulty == "simple" else 24)
    resolve_due = dispatched + timedelta(days=RESOLVE_DAYS[difficulty])
    age = w.now - received
    state = _state(rng, age)
    accepted_at = dispatched + timedelta(minutes=rng.lognormvariate(4.0, 1.0))
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    if state in ("resolved", "closed", "reopened"):
        hours = rng.lognormvariate(0, 0.8) * HANDLING_HOURS[difficulty]
        resolved_at = accepted_at + timedelta(hours=hours)
        if resolved_at >= w.now:
            state, resolved_at = "in_progress", None
    if state == "closed" and resolved_at is not None:
        closed_at = resolved_at + timedelta(hours=rng.uniform(2, 96))
        if closed_at >= w.now:
            state, closed_at = "resolved", None
    if state == "dispatched" or accepted_at >= w.now:
        state, accepted_at_or_none = "dispatched", None
    else:
        accepted_at_or_none = accepted_at
    close_reason = pick(rng, CLOSE_REASONS) if closed_at else ""
    open_case = state != "closed"
    light = rng.choices(
        ("green", "yellow", "red"), weights=(60, 25, 15) if open_case else (85, 8, 7)
    )[0]
    escalation = 0 if rng.random() > 0.035 else (1 if rng.random() < 0.85 else 2)
    supervised = rng.random() < 0.02
    extension = open_case and rng.random() < 0.03
    grid_place = rng.choice(w.places)
    address = f"{grid_place}{rng.randrange(1, 300)}号" if rng.random() < 0.8 else ""
    updated = closed_at or resolved_at or accepted_at_or_none or dispatched
    out.cases.append(
        (
            case_no,
            unit["id"],
            unit["name"],
            unit["tier"],
            unit["district_id"],
            unit["township_id"],
            base.topic,
            difficulty,
            rng.random() < 0.03,
            state,
            updated,
            dispatched,
            light,
            accept_due,
            resolve_due,
            escalation,
            supervised,
            extension,
            "因需协调多个部门，申请延期十个工作日。" if extension else "",
            dispatched,
            resolved_at,
            closed_at,
            close_reason,
            received,
            channel,
            title,
            content,
            address,
            updated,
            rng.randrange(4, 12),
            text_words,
        )
    )
    # Callers: some call again and again, most once or twice.
    if rng.random() < 0.12:
        caller = rng.randrange(w.frequent_callers)
    else:
        caller = w.frequent_callers + rng.randrange(len(w.bases) * 200)
    name = SURNAMES[caller % len(SURNAMES)] + ("先生" if caller % 2 else "女士")
    phone = phone_of(caller)
    sealed = SEALER.seal(PiiCaller(name, phone))
    out.callers.append((case_no, sealed, SEALER.index(phone), False, rng.random() < 0.8))
    _marks(rng, w, out, case_no, unit["id"], dispatched, accepted_at_or_none, accept_due, state)
    marks = out.marks
    if resolved_at is not None:
        marks.append((case_no, unit["id"], "resolved", resolved_at))
        if resolved_at > resolve_due:
            marks.append((case_no, unit["id"], "resolve_late", resolve_due))
    if close_reason == "callback_satisfied" and closed_at is not None:
        marks.append((case_no, unit["id"], "satisfied", closed_at))
    if state == "reopened" and resolved_at is not None:
        marks.append((case_no, unit["id"], "unsatisfied", resolved_at + timedelta(hours=30)))
    if w.entries:
        _entries(
            out,
            case_no,
            unit,
            base.topic,
            (channel, title, close_reason),
            received,
            dispatched,
            closed_at,
        )


def _state(rng: random.Random, age: timedelta) -> str:
    if age < timedelta(days=2):
        weights = {"dispatched": 30, "accepted": 30, "in_progress": 25, "resolved": 8, "closed": 7}
    elif age < timedelta(days=30):
        weights = {"closed": 58, "resolved": 14, "in_progress": 15, "accepted": 6}
        weights |= {"reopened": 3, "bounced": 2, "dispatched": 2}
    else:
        weights = {"closed": 975, "resolved": 10, "in_progress": 8, "reopened": 4, "bounced": 3}
    return pick(rng, weights)


def _marks(
    rng: random.Random,
    w: World,
    out: Batch,
    case_no: str,
    unit_id: str,
    dispatched: datetime,
    accepted: datetime | None,
    accept_due: datetime,
    state: str,
) -> None:
    marks = out.marks
    # A bounced or escalated case first went to another unit.
    if state == "bounced" or rng.random() < 0.03:
        other = rng.choice(w.units)["id"]
        if other != unit_id:
            marks.append((case_no, other, "assigned", dispatched - timedelta(hours=3)))
            kind = "bounced" if rng.random() < 0.6 else "escalated"
            marks.append((case_no, other, kind, dispatched - timedelta(minutes=5)))
    marks.append((case_no, unit_id, "assigned", dispatched))
    if accepted is not None:
        marks.append((case_no, unit_id, "accepted", accepted))
        if accepted > accept_due:
            marks.append((case_no, unit_id, "accept_late", accept_due))


def _entries(
    out: Batch,
    case_no: str,
    unit: dict[str, str],
    topic: str,
    said: tuple[str, str, str],
    received: datetime,
    dispatched: datetime,
    closed: datetime | None,
) -> None:
    add = out.entries.append
    channel, title, reason = said
    data = json.dumps({"case_no": case_no, "channel": channel, "title": title}, ensure_ascii=False)
    add(
        (
            case_no,
            f"{case_no}-r",
            "minhu.case.received.v1",
            "intake",
            "received",
            received,
            "",
            title,
            data,
        )
    )
    data = json.dumps(
        {"case_no": case_no, "unit_id": unit["id"], "topic": topic}, ensure_ascii=False
    )
    add(
        (
            case_no,
            f"{case_no}-d",
            "minhu.case.dispatched.v1",
            "dispatch",
            "dispatched",
            dispatched,
            unit["id"],
            "",
            data,
        )
    )
    if closed is not None:
        data = json.dumps({"case_no": case_no, "reason": reason})
        add(
            (case_no, f"{case_no}-c", "minhu.case.closed.v1", "sla", "closed", closed, "", "", data)
        )


def day_counts(rows: int, now: datetime, rng: random.Random) -> list[tuple[date, int]]:
    """Cases per local day over the last DAYS days: fewer at weekends, slowly growing."""
    last = now.astimezone(LOCAL).date()
    days = [last - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]
    today = (now.astimezone(LOCAL).hour + 1) / 24
    weights = [
        (0.75 if d.weekday() >= 5 else 1.0)
        * (0.8 + 0.4 * i / DAYS)
        * rng.uniform(0.85, 1.15)
        * (today if d == last else 1.0)
        for i, d in enumerate(days)
    ]
    raw = [rows * x / sum(weights) for x in weights]
    counts = [int(x) for x in raw]
    by_rest = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_rest[: rows - sum(counts)]:
        counts[i] += 1
    return [(d, n) for d, n in zip(days, counts, strict=True) if n]


def batches(days: list[tuple[date, int]], size: int) -> list[tuple[int, list[tuple[date, int]]]]:
    """Consecutive days grouped into batches of about `size` cases."""
    out: list[tuple[int, list[tuple[date, int]]]] = []
    group: list[tuple[date, int]] = []
    for day, n in days:
        group.append((day, n))
        if sum(k for _, k in group) >= size:
            out.append((len(out), group))
            group = []
    if group:
        out.append((len(out), group))
    return out


# --------------------------------------------------------------------------- progress


class Progress:
    """A progress bar with rich when the venv has it, plain lines otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()
        self._last = 0.0
        self._rich: Any = None
        if not sys.stdout.isatty():
            return
        try:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            self._rich.start()
            self._task = self._rich.add_task(label, total=total)
        except ImportError:
            pass

    def advance(self, n: int) -> None:
        self.done += n
        if self._rich is not None:
            self._rich.update(self._task, advance=n)
        elif time.monotonic() - self._last > 5 or self.done >= self.total:
            self._last = time.monotonic()
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            print(f"  {self.label}: {self.done:,}/{self.total:,} ({rate:,.0f}/s)", flush=True)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()


# --------------------------------------------------------------------------- loading


def dsn(url: str) -> str:
    """asyncpg's DSN of a SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def recreate_database(settings: CommonSettings, name: str) -> None:
    """Drop the bench database if it exists and create it empty."""
    conn = await asyncpg.connect(dsn(settings.database_url("postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def ddl(element: Any) -> str:
    """PostgreSQL DDL of a SQLAlchemy schema element."""
    return str(element.compile(dialect=postgresql.dialect())).strip()  # type: ignore[no-untyped-call]


LOADED = ("board_cases", "board_marks", "record_callers", "record_entries")
SECONDARY = [idx for t in (tables.cases, tables.marks, tables.callers) for idx in t.indexes]


async def write(conn: asyncpg.Connection, batch: Batch) -> None:
    """One batch into the tables: cases through the staging table (for the tsvector)."""
    stage_cols = ", ".join(CASE_COLUMNS[:-1])
    await conn.copy_records_to_table("bench_stage", records=batch.cases, columns=CASE_COLUMNS)
    await conn.execute(
        f"INSERT INTO board_cases ({stage_cols}, words) "
        f"SELECT {stage_cols}, to_tsvector('simple', words_text) FROM bench_stage"
    )
    await conn.execute("TRUNCATE bench_stage")
    await conn.copy_records_to_table(
        "record_callers", records=batch.callers, columns=CALLER_COLUMNS
    )
    await conn.copy_records_to_table("board_marks", records=batch.marks, columns=MARK_COLUMNS)
    if batch.entries:
        await conn.copy_records_to_table(
            "record_entries", records=batch.entries, columns=ENTRY_COLUMNS
        )


async def load(url: str, world: World, rows: int, workers: int) -> dict[str, Any]:
    """Generate and load every table, rebuild the indexes, VACUUM ANALYZE; the timings."""
    rng = random.Random(world.seed)
    specs = batches(day_counts(rows, world.now, rng), min(BATCH, max(1000, rows // 8)))
    conn = await asyncpg.connect(dsn(url))
    timing: dict[str, Any] = {}
    counts = Counter[str]()
    checked = mismatched = 0
    try:
        # Bench database only: no need to wait for each batch's WAL flush.
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for idx in SECONDARY:
            await conn.execute(f'DROP INDEX "{idx.name}"')
        # Loaded once, then vacuumed below: autovacuum would only compete with the load.
        for table in LOADED:
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        await conn.execute(
            f"CREATE UNLOGGED TABLE bench_stage AS SELECT {', '.join(CASE_COLUMNS[:-1])} "
            "FROM board_cases WITH NO DATA"
        )
        await conn.execute("ALTER TABLE bench_stage ADD COLUMN words_text text")
        started = time.monotonic()
        bar = Progress("loading cases", rows)
        ctx = mp.get_context("fork")
        with ctx.Pool(max(1, workers), initializer=_init_world, initargs=(world,)) as pool:
            todo = iter(specs)
            pending = [pool.apply_async(generate, (s,)) for s in _take(todo, workers + 1)]
            while pending:
                batch = await asyncio.to_thread(pending.pop(0).get)
                pending += [pool.apply_async(generate, (s,)) for s in _take(todo, 1)]
                await write(conn, batch)
                for text, stored in batch.checks:
                    if checked < 400:
                        checked += 1
                        mismatched += search_words(text) != stored
                counts.update(
                    cases=len(batch.cases),
                    callers=len(batch.callers),
                    marks=len(batch.marks),
                    entries=len(batch.entries),
                )
                bar.advance(len(batch.cases))
        bar.close()
        timing["copy_s"] = round(time.monotonic() - started, 1)
        await conn.execute("DROP TABLE bench_stage")
        built: dict[str, float] = {}
        for idx in SECONDARY:
            t0 = time.monotonic()
            await conn.execute(ddl(sa.schema.CreateIndex(idx)))
            built[str(idx.name)] = round(time.monotonic() - t0, 1)
            print(f"  index {idx.name}: {built[str(idx.name)]} s", flush=True)
        timing["indexes_s"] = built
        t0 = time.monotonic()
        for table in LOADED:
            await conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            await conn.execute(f"VACUUM ANALYZE {table}")
        timing["vacuum_analyze_s"] = round(time.monotonic() - t0, 1)
        timing["total_s"] = round(time.monotonic() - started, 1)
    finally:
        await conn.close()
    return {
        "loaded": dict(counts),
        "timing": timing,
        "batches": len(specs),
        "words_checked": checked,
        "words_mismatched": mismatched,
    }


def _take(it: Iterator[Any], n: int) -> list[Any]:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Probe:
    """One search to time: its class, the scope it runs in, and what was asked."""

    kind: str
    scope: Scope
    search: Search


@dataclass
class Timing:
    """How long one search took: both statements of run(), and what it found."""

    probe: Probe
    total_ms: float
    page_ms: float
    count_ms: float
    rows: int
    hits: int


class TimedSession:
    """A session whose execute() records its own duration (run() calls it twice)."""

    def __init__(self, session: Any) -> None:
        self.session, self.times = session, list[float]()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await self.session.execute(*args, **kwargs)
        finally:
            self.times.append((time.perf_counter() - t0) * 1000)


async def time_probe(sessions: Any, probe: Probe) -> Timing:
    """Run one search with the desk's own run() and time it."""
    async with sessions() as session:
        timed = TimedSession(session)
        t0 = time.perf_counter()
        rows, hits = await run(timed, probe.search, probe.scope)
        total = (time.perf_counter() - t0) * 1000
    page, count = [*timed.times, 0.0, 0.0][:2]
    return Timing(probe, total, page, count, len(rows), hits)


def text_queries(bases: list[Base], rng: random.Random, n: int) -> dict[str, list[str]]:
    """Query texts from the real messages' words: common, rare, and 2–3 words of one message."""
    real = [b for b in bases if b.real] or bases
    doc_words = [
        list(dict.fromkeys(_WORDS.get(b.title, ()) + _WORDS.get(b.content, ()))) for b in real
    ]
    df = Counter(w for ws in doc_words for w in set(ws))
    common = [w for w, _ in df.most_common(300)]
    rare = sorted(w for w, k in df.items() if k == 1 and not w.isdigit())
    multi: list[str] = []
    while len(multi) < n:
        ws = rng.choice(doc_words)
        if len(ws) >= 3:
            multi.append(" ".join(rng.sample(ws, rng.choice((2, 2, 3)))))
    return {
        "common word": [rng.choice(common) for _ in range(n)],
        "rare word": rng.sample(rare, min(n, len(rare))),
        "2-3 words": multi,
    }


async def samples(sessions: Any, sql: str, n: int) -> list[Any]:
    """n values of a query's first column (sampled rows of a table)."""
    async with sessions() as session:
        return list((await session.execute(sa.text(sql), {"n": n})).scalars())


async def probes(sessions: Any, world: World, topics: list[str], n: int, seed: int) -> list[Probe]:
    """Every search to time, in the order they run."""
    rng = random.Random(seed)
    units = [u["id"] for u in world.units]
    townships = sorted({u["township_id"] for u in world.units if u["township_id"]})
    out: list[Probe] = []
    texts = text_queries(world.bases, rng, n)
    for sub, queries in texts.items():
        out += [Probe(f"text · all · {sub}", Scope("all"), Search(text=q)) for q in queries]
    for sub, queries in texts.items():
        out += [
            Probe(f"text · unit · {sub}", Scope("unit", rng.choice(units)), Search(text=q))
            for q in queries
        ]
    chars = "路灯水电房车噪费学医"
    # Across a district a single character must be narrowed (the desk refuses it otherwise):
    # here by the last 30 days of the data, and within one unit.
    since = world.now - timedelta(days=30)
    out += [
        Probe(
            "text · all, last 30 days · one character",
            Scope("all"),
            Search(text=rng.choice(chars), since=since),
        )
        for _ in range(max(10, n // 10))
    ]
    out += [
        Probe("text · unit · one character", Scope("unit", rng.choice(units)), Search(text=c))
        for c in rng.choices(chars, k=max(10, n // 10))
    ]
    # Stored callers are found by their blind index; some numbers called never.
    refs = await samples(
        sessions,
        "SELECT caller_ref FROM record_callers ORDER BY random() LIMIT :n",
        n - n // 10,
    )
    by_number = [Search(phone="(sampled)", caller_ref=r) for r in refs]
    by_number += [
        by_phone(Search(phone=f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}"), SEALER)
        for _ in range(n // 10)
    ]
    rng.shuffle(by_number)
    out += [Probe("phone", Scope("all"), search) for search in by_number]
    for _ in range(n):
        state = "closed" if rng.random() < 0.3 else rng.choice(OPEN_STATES)
        equals = {"unit_id": rng.choice(units), "state": state}
        out.append(Probe("filter · unit + state", Scope("all"), Search(equals=equals)))
    first = world.now - timedelta(days=DAYS)
    for _ in range(n):
        since = first + timedelta(days=rng.randrange(DAYS - 30))
        until = since + timedelta(days=rng.choice((7, 30, 30, 90)))
        equals = {"township_id": rng.choice(townships), "topic": rng.choice(topics)}
        search = Search(since=since, until=until, equals=equals)
        out.append(Probe("filter · township + topic + dates", Scope("all"), search))
    for _ in range(n):
        equals = {"difficulty": pick(rng, DIFFICULTIES), "light": rng.choice(("red", "yellow"))}
        out.append(Probe("filter · difficulty + light", Scope("all"), Search(equals=equals)))
    numbers = await samples(
        sessions, "SELECT case_no FROM board_cases ORDER BY random() LIMIT :n", n - n // 10
    )
    numbers += [
        f"{rng.randrange(20240101, 20261231)}{rng.randrange(900_000, 999_999)}"
        for _ in range(n // 10)
    ]
    rng.shuffle(numbers)
    out += [Probe("case number", Scope("all"), Search(case_no=x)) for x in numbers]
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-int(q * len(ordered)) // 100) - 1))]


def summary(timings: list[Timing]) -> list[dict[str, Any]]:
    """p50/p95/max per class, in the order the classes ran."""
    kinds = list(dict.fromkeys(t.probe.kind for t in timings))
    out = []
    for kind in kinds:
        ts = [t for t in timings if t.probe.kind == kind]
        total = [t.total_ms for t in ts]
        out.append(
            {
                "class": kind,
                "n": len(ts),
                "p50_ms": round(percentile(total, 50), 1),
                "p95_ms": round(percentile(total, 95), 1),
                "max_ms": round(max(total), 1),
                "page_p95_ms": round(percentile([t.page_ms for t in ts], 95), 1),
                "count_p95_ms": round(percentile([t.count_ms for t in ts], 95), 1),
                "median_hits": statistics.median(t.hits for t in ts),
                "capped": sum(t.hits > COUNT_CAP for t in ts),
                "over_target": sum(t.total_ms > TARGET_MS for t in ts),
            }
        )
    return out


async def measure(sessions: Any, all_probes: list[Probe], budget: float) -> list[Timing]:
    """Time every probe; the first of each class only warms up. A class that has used up
    `budget` seconds stops there (it is far over the target anyway): its n says so."""
    timings: list[Timing] = []
    seen = Counter[str]()
    spent: dict[str, float] = defaultdict(float)
    bar = Progress("searching", len(all_probes))
    for probe in all_probes:
        bar.advance(1)
        if spent[probe.kind] > budget:
            continue
        t0 = time.monotonic()
        if not seen[probe.kind]:
            await time_probe(sessions, probe)
        seen[probe.kind] += 1
        timings.append(await time_probe(sessions, probe))
        spent[probe.kind] += time.monotonic() - t0
    bar.close()
    return timings


async def reports(
    sessions: Any, directory: Directory, now: datetime, runs: int
) -> list[dict[str, Any]]:
    """Time one month's report (counted by the database + build), district and one township."""
    last_month = now.astimezone(LOCAL).date().replace(day=1) - timedelta(days=1)
    p = period("month", last_month)
    district = directory.default_district.id
    township = sorted({place(directory, u.id)["township_id"] for u in directory.units} - {""})[0]
    out = []
    for label, scope in (
        ("district", Scope("district", district)),
        ("township", Scope("township", township)),
    ):
        units = [
            u.id
            for u in directory.units
            if u.role != "dispatch_centre" and holds(scope, u.id, directory)
        ]
        inputs, builds, totals = [], [], []
        sizes: dict[str, int] = {}
        for _ in range(runs + 1):  # the first run warms up
            t0 = time.perf_counter()
            async with sessions() as session:
                counts = await unit_counts(session, scope, units, p)
                by_area, by_day, handling = await breakdowns(session, scope, p)
            t1 = time.perf_counter()
            report = build(
                p,
                units=counts,
                by_topic_area=by_area,
                by_day=by_day,
                handling=handling,
                township_of=lambda u: place(directory, u)["township_id"],
                district_of=lambda u: place(directory, u)["district_id"],
            )
            t2 = time.perf_counter()
            inputs.append((t1 - t0) * 1000)
            builds.append((t2 - t1) * 1000)
            totals.append((t2 - t0) * 1000)
            sizes = {
                "units": len(counts),
                "assigned": sum(x.assigned for x in counts.values()),
                "resolved": handling.resolved,
            }
            sizes["received"] = sum(report.by_day.values())
        out.append(
            {
                "class": f"report · month {p.label} · {label} ({scope.id})",
                "n": runs,
                "p50_ms": round(statistics.median(totals[1:]), 1),
                "max_ms": round(max(totals[1:]), 1),
                "inputs_ms": round(statistics.median(inputs[1:]), 1),
                "build_ms": round(statistics.median(builds[1:]), 1),
                "rows_read": sizes,
            }
        )
    return out


async def explain(sessions: Any, stmt: Any) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement as the asyncpg dialect sends it."""
    async with sessions() as session:
        conn = await session.connection()
        compiled = stmt.compile(dialect=conn.dialect)
        params = [compiled.params[k] for k in compiled.positiontup or ()]
        raw = (await conn.get_raw_connection()).driver_connection
        rows = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), *params)
    return "\n".join(r[0] for r in rows)


async def slow_plans(sessions: Any, timings: list[Timing]) -> list[dict[str, Any]]:
    """The plans of the slowest search of each class whose p95 misses the target."""
    out = []
    for row in summary(timings):
        if row["p95_ms"] <= TARGET_MS:
            continue
        worst = max((t for t in timings if t.probe.kind == row["class"]), key=lambda t: t.total_ms)
        p = worst.probe
        out.append(
            {
                "class": row["class"],
                "search": describe(p),
                "total_ms": round(worst.total_ms, 1),
                "page_plan": await explain(sessions, statement(p.search, p.scope)),
                "count_plan": await explain(sessions, count_statement(p.search, p.scope)),
            }
        )
    return out


def describe(p: Probe) -> dict[str, Any]:
    """A probe as JSON."""
    s = p.search
    d: dict[str, Any] = {"scope": f"{p.scope.kind}:{p.scope.id}"}
    d |= {k: v for k, v in (("text", s.text), ("phone", s.phone), ("case_no", s.case_no)) if v}
    d |= {k: v for k, v in s.equals.items() if v}
    d |= {k: v.isoformat() for k, v in (("since", s.since), ("until", s.until)) if v}
    return d


# Indexes tried by --try-fixes, in the bench database only (the repo's migrations are untouched):
# name -> the statements that make it.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "bench_board_resolved": ("CREATE INDEX bench_board_resolved ON board_cases (resolved_at)",),
    "bench_board_closed": ("CREATE INDEX bench_board_closed ON board_cases (closed_at)",),
    "bench_board_difficulty_light": (
        "CREATE INDEX bench_board_difficulty_light ON board_cases (difficulty, light, received_at)",
    ),
    "bench_board_filters": (
        "CREATE EXTENSION IF NOT EXISTS btree_gin",
        "CREATE INDEX bench_board_filters ON board_cases USING gin "
        "(unit_id, township_id, topic, difficulty, state, light, channel)",
    ),
}


async def sort_received_desc(conn: Any, on: bool) -> None:
    """search.query SORTS["received_desc"] without NULLS LAST (received_at IS NOT NULL is
    always a condition), so a backward scan of ix_board_received gives the order"""
    c = tables.cases.c
    if on:
        search_query.SORTS["received_desc"] = (c.received_at.desc(), c.case_no.desc())
    else:
        search_query.SORTS["received_desc"] = _SORT_AS_SHIPPED


async def jit_off(conn: Any, on: bool) -> None:
    """jit = off for the database (JIT compiling costs ~250 ms on big-estimate plans)"""
    name = (await conn.execute(sa.text("SELECT current_database()"))).scalar()
    await conn.execute(sa.text(f'ALTER DATABASE "{name}" {"SET jit = off" if on else "RESET jit"}'))


async def words_statistics(conn: Any, on: bool) -> None:
    """statistics target 1000 on board_cases.words, so the planner knows rare words are rare"""
    target = 1000 if on else -1
    await conn.execute(
        sa.text(f"ALTER TABLE board_cases ALTER COLUMN words SET STATISTICS {target}")
    )
    await conn.execute(sa.text("ANALYZE board_cases"))


async def count_cap_1000(conn: Any, on: bool) -> None:
    """search.query COUNT_CAP 1000 instead of 10,000 ("over 1000")"""
    search_query.COUNT_CAP = 1000 if on else _CAP_AS_SHIPPED


QUERY_FIXES = {
    "sort_received_desc": sort_received_desc,
    "jit_off": jit_off,
    "words_statistics": words_statistics,
    "count_cap_1000": count_cap_1000,
}


# --------------------------------------------------------------------------- output


def markdown(rows: list[dict[str, Any]], reports_rows: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| class | n | p50 ms | p95 ms | max ms | page p95 | count p95 | median hits | ≤ 300 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        hits = f"{r['median_hits']:g}" + (f" ({r['capped']} capped)" if r["capped"] else "")
        ok = "yes" if r["p95_ms"] <= TARGET_MS else "**no**"
        lines.append(
            f"| {r['class']} | {r['n']} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} | "
            f"{r['page_p95_ms']} | {r['count_p95_ms']} | {hits} | {ok} |"
        )
    for r in reports_rows:
        rd = r["rows_read"]
        lines.append(
            f"| {r['class']} | {r['n']} | {r['p50_ms']} | — | {r['max_ms']} | "
            f"read {r['inputs_ms']} | build {r['build_ms']} | "
            f"{rd['units']} units, {rd['assigned']} assigned, {rd['resolved']} resolved | — |"
        )
    return "\n".join(lines)


def world_of(
    directory: Directory, seed: int, now: datetime, entries: bool
) -> tuple[World, list[str]]:
    """The world the rows are drawn from, and the topics."""
    rng = random.Random(seed)
    bases, topics, sentences = read_bases(rng)
    units, weights = [], []
    share = {"village": 3.5, "township": 6.0, "district": 2.7}
    for u in directory.units:
        if u.role == "dispatch_centre":
            continue
        units.append({"id": u.id, "name": u.name, "tier": u.tier.value, **place(directory, u.id)})
        weights.append(share.get(u.tier.value, 1.0))
    places = sorted({x for g in directory.grids for x in (*g.roads, *g.landmarks)})
    world = World(
        bases=bases,
        sentences=sentences,
        units=units,
        unit_weights=weights,
        places=places or ["明湖路"],
        now=now,
        seed=seed,
        entries=entries,
        frequent_callers=2000,
    )
    return world, topics


async def save_meta(url: str, meta: dict[str, Any]) -> None:
    conn = await asyncpg.connect(dsn(url))
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (k text PRIMARY KEY, v text)")
        await conn.execute(
            "INSERT INTO bench_meta VALUES ('load', $1) ON CONFLICT (k) DO UPDATE SET v = $1",
            json.dumps(meta, ensure_ascii=False, default=str),
        )
    finally:
        await conn.close()


async def read_meta(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn(url))
    try:
        v = await conn.fetchval("SELECT v FROM bench_meta WHERE k = 'load'")
    finally:
        await conn.close()
    return dict(json.loads(v))


async def server_facts(engine: AsyncEngine) -> dict[str, Any]:
    """PostgreSQL version, the settings that matter here, and the tables' sizes."""
    async with engine.connect() as conn:
        facts: dict[str, Any] = {
            "version": (await conn.execute(sa.text("SHOW server_version"))).scalar()
        }
        for name in (
            "shared_buffers",
            "work_mem",
            "effective_cache_size",
            "random_page_cost",
            "jit",
        ):
            facts[name] = (await conn.execute(sa.text(f"SHOW {name}"))).scalar()
        sizes = await conn.execute(
            sa.text(
                "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
                "WHERE relname IN ('board_cases','board_marks','record_callers','record_entries',"
                "'ix_board_words')"
            )
        )
        facts["sizes"] = {str(k): str(v) for k, v in sizes.all()}
    return facts


async def bench(
    args: argparse.Namespace, url: str, world: World, topics: list[str]
) -> dict[str, Any]:
    """Every measurement on the loaded database."""
    engine = make_engine(url, pool_size=2)
    sessions = make_sessionmaker(engine)
    out: dict[str, Any] = {}
    try:
        out["server"] = await server_facts(engine)
        # The machine may be shared: the load average says how much the figures suffered.
        out["loadavg_before"] = os.getloadavg()
        all_probes = [
            p
            for p in await probes(sessions, world, topics, args.queries, args.seed)
            if not args.only or any(o in p.kind for o in args.only)
        ]
        with_reports = not args.only or any(o in "report" for o in args.only)
        directory = Directory.from_file(None)
        before = not (args.try_fixes and args.fixed_only)
        timings = await measure(sessions, all_probes, args.budget) if before else []
        out["searches"] = summary(timings)
        out["reports"] = (
            await reports(sessions, directory, world.now, args.report_runs)
            if with_reports and before
            else []
        )
        out["loadavg_after"] = os.getloadavg()
        out["slow_plans"] = await slow_plans(sessions, timings)
        if args.try_fixes:
            every = [*QUERY_FIXES, *CANDIDATES]
            names = every if args.try_fixes == "all" else args.try_fixes.split(",")
            made = []
            async with engine.begin() as conn:
                for name in names:
                    if name in QUERY_FIXES:
                        await QUERY_FIXES[name](conn, True)
                        made.append({"fix": name, "what": QUERY_FIXES[name].__doc__})
                        continue
                    await conn.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
                    t0 = time.monotonic()
                    for sql in CANDIDATES[name]:
                        await conn.execute(sa.text(sql))
                    made.append(
                        {
                            "fix": name,
                            "what": CANDIDATES[name][-1],
                            "build_s": round(time.monotonic() - t0, 1),
                        }
                    )
                await conn.execute(sa.text("ANALYZE board_cases"))
            await engine.dispose()  # new connections see changed settings
            after = await measure(sessions, all_probes, args.budget)
            out["after_fixes"] = {
                "indexes": made,
                "searches": summary(after),
                "reports": (
                    await reports(sessions, directory, world.now, args.report_runs)
                    if with_reports
                    else []
                ),
                "slow_plans": await slow_plans(sessions, after),
            }
            if not args.keep_fixes:
                async with engine.begin() as conn:
                    for name in names:
                        if name in QUERY_FIXES:
                            await QUERY_FIXES[name](conn, False)
                        else:
                            await conn.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    finally:
        await engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="cases to load")
    parser.add_argument("--database", default="minhu_desk_bench", help="bench database name")
    parser.add_argument("--queries", type=int, default=200, help="searches per class")
    parser.add_argument("--report-runs", type=int, default=3, help="timed builds per report")
    parser.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument(
        "--budget", type=float, default=90.0, help="seconds of searching per class at most"
    )
    parser.add_argument("--no-entries", action="store_true", help="skip record_entries")
    parser.add_argument("--reuse", action="store_true", help="measure the loaded database again")
    parser.add_argument(
        "--try-fixes",
        nargs="?",
        const="all",
        default="",
        help="time again with these CANDIDATES (comma-separated names; all if none given)",
    )
    parser.add_argument(
        "--only", action="append", default=[], help="time only classes containing this text"
    )
    parser.add_argument(
        "--fixed-only", action="store_true", help="with --try-fixes: skip the as-migrated pass"
    )
    parser.add_argument("--keep-fixes", action="store_true", help="leave CANDIDATES in place")
    parser.add_argument("--json", type=Path, default=ARTIFACT)
    args = parser.parse_args()
    if "MINHU_PG_HOST" not in os.environ:
        print("desk_search: MINHU_PG_HOST is not set (eval the env of a stack profile); skipped")
        return 0
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.database):
        parser.error("--database: lower-case letters, digits and _ only")
    settings = CommonSettings()
    url = settings.database_url(args.database)
    started = time.monotonic()
    if args.reuse:
        meta = asyncio.run(read_meta(url))
        now = datetime.fromisoformat(meta["now"])
        world, topics = world_of(Directory.from_file(None), int(meta["seed"]), now, True)
        fill_words(_pieces(world), args.workers)
    else:
        now = datetime.now(LOCAL).replace(minute=0, second=0, microsecond=0)
        world, topics = world_of(Directory.from_file(None), args.seed, now, not args.no_entries)
        t0 = time.monotonic()
        fill_words(_pieces(world), args.workers)
        words_s = round(time.monotonic() - t0, 1)
        print(f"jieba words of {len(_WORDS):,} distinct pieces in {words_s} s", flush=True)
        asyncio.run(recreate_database(settings, args.database))
        migrate(url, MIGRATIONS, tables.metadata)
        info = asyncio.run(load(url, world, args.rows, args.workers))
        info["timing"]["jieba_s"] = words_s
        meta = {"now": now.isoformat(), "seed": args.seed, "rows": args.rows, **info}
        asyncio.run(save_meta(url, meta))
    print(f"loaded: {meta['loaded']}; timing: {meta['timing']}", flush=True)
    if meta.get("words_mismatched"):
        print(
            f"WARNING: {meta['words_mismatched']}/{meta['words_checked']} rows' words differ "
            "from search_words(title + ' ' + content)"
        )
    results = asyncio.run(bench(args, url, world, topics))
    report = {
        "benchmark": "desk_search",
        "database": args.database,
        "target_p95_ms": TARGET_MS,
        "cpus": os.cpu_count(),
        "load": meta,
        "bases": {"real_messages": sum(b.real for b in world.bases), "all": len(world.bases)},
        **results,
        "wall_s": round(time.monotonic() - started, 1),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print()
    print(f"## Desk search at {meta['loaded'].get('cases', 0):,} cases")
    print()
    print(markdown(results["searches"], results["reports"]))
    print(f"\nload average before/after: {results['loadavg_before']} / {results['loadavg_after']}")
    if "after_fixes" in results:
        print()
        fixes = results["after_fixes"]["indexes"]
        print("## After " + "; ".join(f"{i['fix']} ({i['what']})" for i in fixes))
        print()
        print(markdown(results["after_fixes"]["searches"], results["after_fixes"]["reports"]))
    after_plans = results.get("after_fixes", {}).get("slow_plans", [])
    for plan in results["slow_plans"] + after_plans:
        when = "after fixes" if plan in after_plans else "as migrated"
        print(f"\n### {when}: slowest of {plan['class']} ({plan['total_ms']} ms): {plan['search']}")
        print("page:\n" + plan["page_plan"] + "\ncount:\n" + plan["count_plan"])
    print(f"\nwrote {args.json}")
    return 0


def _pieces(world: World) -> set[str]:
    pieces = set(TITLE_TAGS) | set(FOLLOW_UPS) | set(world.sentences)
    for b in world.bases:
        pieces |= {b.title, b.content}
    return pieces


if __name__ == "__main__":
    sys.exit(main())
