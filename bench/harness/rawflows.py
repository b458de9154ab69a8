"""The raw Temporal baselines: an empty workflow, and one local activity then one timer."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench_noop")
async def noop(value: str) -> str:
    """A local activity that does nothing."""
    return value


@workflow.defn(name="BenchEmpty")
class Empty:
    """Returns at once."""

    @workflow.run
    async def run(self, value: str) -> str:
        return value


@workflow.defn(name="BenchTimerActivity")
class TimerActivity:
    """One local activity, then one one-second timer."""

    @workflow.run
    async def run(self, value: str) -> str:
        out = await workflow.execute_local_activity(
            noop, value, start_to_close_timeout=timedelta(seconds=10)
        )
        await workflow.sleep(1)
        return str(out)
