"""Desk search and report latency on a board of a million synthetic cases.

Creates a separate database on the PostgreSQL of a stack profile, applies the desk's
migrations, loads synthetic cases (board rows, callers, marks and a few record entries per
case) whose titles and contents are recombined from the project's corpus and the real
messages in ../shared/data (read at run time, never stored in the repository), then times
the desk's own search code (services.desk.search.query.run) and one month's report
(period_inputs + build). Prints a Markdown table and writes test-artifacts/desk_search_bench.json.

    .venv/bin/python deploy/stack.py --profile test-5 up postgres
    eval "$(.venv/bin/python deploy/stack.py --profile test-5 env)"
    .venv/bin/python bench/desk_search.py                  # 1,000,000 cases (a long load)
    .venv/bin/python bench/desk_search.py --rows 20000     # quick check
    .venv/bin/python bench/desk_search.py --reuse          # measure again, no reload
    .venv/bin/python bench/desk_search.py --reuse --try-fixes   # + candidate indexes
    .venv/bin/python deploy/stack.py --profile test-5 down

The target is a search p95 of at most 300 ms; the figures are reported, never asserted.
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
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.db import make_engine, make_sessionmaker, migrate
from services.common.jurisdiction import Directory
from services.common.settings import CommonSettings
from services.desk import tables
from services.desk.board.projector import place
from services.desk.board.queries import Scope
from services.desk.reports.figures import LOCAL, build, period
from services.desk.reports.queries import period_inputs
from services.desk.search.query import COUNT_CAP, Search, count_statement, run, statement
from services.desk.search.words import search_words, words
from services.desk.ui.access import holds

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


CASE_COLUMNS = (
    "case_no unit_id unit_name tier district_id township_id topic difficulty urgent state light "
    "accept_due resolve_due escalation_level supervised extension_pending extension_note "
    "dispatched_at resolved_at closed_at close_reason received_at channel title content "
    "address updated_at version words_text"
).split()
CALLER_COLUMNS = ["case_no", "caller_name", "caller_phone", "anonymous", "callback_consent"]
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
            int(rng.triangular(0, 86_399, 13 * 3600)) if rng.random() < 0.93 else rng.randrange(86_400)
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
    light = rng.choices(("green", "yellow", "red"), weights=(60, 25, 15) if open_case else (85, 8, 7))[0]
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
    out.callers.append((case_no, name, phone_of(caller), False, rng.random() < 0.8))
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
        _entries(out, case_no, unit, base.topic, (channel, title, close_reason), received, dispatched, closed_at)


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
    add((case_no, f"{case_no}-r", "minhu.case.received.v1", "intake", "received", received, "", title, data))
    data = json.dumps({"case_no": case_no, "unit_id": unit["id"], "topic": topic}, ensure_ascii=False)
    add((case_no, f"{case_no}-d", "minhu.case.dispatched.v1", "dispatch", "dispatched", dispatched, unit["id"], "", data))
    if closed is not None:
        data = json.dumps({"case_no": case_no, "reason": reason})
        add((case_no, f"{case_no}-c", "minhu.case.closed.v1", "sla", "closed", closed, "", "", data))


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
        try:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._rich: Any = RichProgress(
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
            self._rich = None

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
    return str(element.compile(dialect=postgresql.dialect())).strip()


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
    await conn.copy_records_to_table("record_callers", records=batch.callers, columns=CALLER_COLUMNS)
    await conn.copy_records_to_table("board_marks", records=batch.marks, columns=MARK_COLUMNS)
    if batch.entries:
        await conn.copy_records_to_table("record_entries", records=batch.entries, columns=ENTRY_COLUMNS)


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
        for table in ("board_cases", "board_marks", "record_callers", "record_entries"):
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
