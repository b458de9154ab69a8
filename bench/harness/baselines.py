"""The raw parts Minhu is built on, measured on the same servers in the same run."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from temporalio.client import Client
from temporalio.worker import Worker

from bench.harness import rawflows
from bench.harness.messages import ROOT
from bench.harness.stats import pct


@dataclass
class Baseline:
    """What one raw part sustains: items a second, and the latency of each item."""

    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    items: int
    note: str = ""

    def row(self) -> dict[str, Any]:
        return asdict(self)


async def kafka(bootstrap: str, n: int) -> Baseline:
    """aiokafka produce (idempotent, acks=all) -> consume of n 1 KB records on 6 partitions."""
    topic = "bench.raw"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in set(await admin.list_topics()):
            await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5
    )
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await producer.start()
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(6)]
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        for tp in parts:
            await consumer.position(tp)
        pad = b"x" * 1000
        latencies: list[float] = []

        async def read() -> float:
            while True:
                batch = await consumer.getmany(timeout_ms=200, max_records=5000)
                now = time.perf_counter()
                for records in batch.values():
                    for r in records:
                        latencies.append(now - struct.unpack("d", r.value[:8])[0])
                if len(latencies) >= n:
                    return now

        reader = asyncio.create_task(read())
        t0 = time.perf_counter()
        futures = []
        for i in range(n):
            value = struct.pack("d", time.perf_counter()) + pad
            futures.append(await producer.send(topic, value=value, key=str(i).encode()))
        await asyncio.gather(*futures)
        done = await asyncio.wait_for(reader, timeout=120)
    finally:
        await consumer.stop()
        await producer.stop()
    return Baseline(
        "kafka produce→consume",
        n / (done - t0),
        pct(latencies, 0.5) * 1000,
        pct(latencies, 0.99) * 1000,
        n,
        "aiokafka, idempotent producer acks=all, 1 KB records, 6 partitions, one process",
    )


async def temporal(address: str, n: int, concurrency: int = 50) -> list[Baseline]:
    """Starts of an empty workflow, and of one local activity + one timer, 50 at a time."""
    client = await Client.connect(address)
    queue = f"bench-raw-{uuid.uuid4()}"
    out: list[Baseline] = []
    async with Worker(
        client,
        task_queue=queue,
        workflows=[rawflows.Empty, rawflows.TimerActivity],
        activities=[rawflows.noop],
    ):
        for name, flow in (
            ("empty", rawflows.Empty.run),
            ("timer+local activity", rawflows.TimerActivity.run),
        ):
            out.append(await _flood(client, name, flow, queue, n, concurrency))
    return out


async def _flood(
    client: Client, name: str, flow: Any, queue: str, n: int, concurrency: int
) -> Baseline:
    """Start n workflows, `concurrency` start calls at a time, and wait for all to finish."""
    sem = asyncio.Semaphore(concurrency)
    # Each result is a long poll, and the server caps a namespace's concurrent polls.
    waits = asyncio.Semaphore(200)
    started: list[float] = []
    finished: list[float] = []
    tag = uuid.uuid4().hex[:8]

    async def one(i: int) -> None:
        async with sem:
            t = time.perf_counter()
            handle = await client.start_workflow(
                flow, str(i), id=f"bench-{tag}-{i}", task_queue=queue
            )
            started.append(time.perf_counter() - t)
        async with waits:
            await handle.result()
        finished.append(time.perf_counter())

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    elapsed = max(finished) - t0
    starts = n / (sum(started) / concurrency) if started else 0.0
    return Baseline(
        f"temporal {name}",
        n / elapsed,
        pct(started, 0.5) * 1000,
        pct(started, 0.99) * 1000,
        n,
        f"completed/s (starts/s ≈ {starts:.0f}); latency of the start call; "
        f"{concurrency} starters and the worker in one process",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def web_insert(dsn_base: str, seconds: float, clients: int = 50) -> Baseline:
    """FastAPI + asyncpg: POST a case-sized JSON body, insert it, answer 201."""
    admin = await asyncpg.connect(f"{dsn_base}/postgres")
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = 'minhu_bench'"):
            await admin.execute("CREATE DATABASE minhu_bench")
    finally:
        await admin.close()
    port = _free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.harness.rawapi",
        str(port),
        f"{dsn_base}/minhu_bench",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    url = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for _ in range(100):
                try:
                    if (await http.get(f"{url}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
            body = {"channel": "web", "content": "小区门口路灯不亮，晚上很黑" * 10}
            stop = time.perf_counter() + seconds

            async def client_loop() -> None:
                while time.perf_counter() < stop:
                    t = time.perf_counter()
                    resp = await http.post(f"{url}/cases", json=body)
                    resp.raise_for_status()
                    latencies.append(time.perf_counter() - t)

            t0 = time.perf_counter()
            await asyncio.gather(*(client_loop() for _ in range(clients)))
            elapsed = time.perf_counter() - t0
    finally:
        child.terminate()
        await asyncio.wait_for(child.wait(), timeout=10)
    return Baseline(
        "FastAPI + asyncpg insert",
        len(latencies) / elapsed,
        pct(latencies, 0.5) * 1000,
        pct(latencies, 0.99) * 1000,
        len(latencies),
        f"one uvicorn process, {clients} closed-loop clients",
    )
