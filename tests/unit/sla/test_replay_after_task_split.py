"""A local activity's result may reach the workflow in the next workflow task when it runs
live (the worker answered the task just as the activity finished) but in the same task on
replay. Histories of the current code must replay either way; this splits recorded
histories at their first local activity and replays them offline."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from services.sla.workflow import CaseWorkflow
from services.sla.workflow_base import PATCH_CHECKS_FIRST, PATCHES_IN_FORCE

HISTORIES = Path(__file__).resolve().parents[2] / "workflow_histories"
MARKER = "EVENT_TYPE_MARKER_RECORDED"
WFT = "EVENT_TYPE_WORKFLOW_TASK_"


def _is_local_activity(event: dict[str, Any]) -> bool:
    attrs = event.get("markerRecordedEventAttributes", {})
    return event["eventType"] == MARKER and attrs.get("markerName") == "core_local_activity"


def _shift(node: Any, after: int, by: int) -> Any:
    """Every event id reference past `after` moved up by `by`."""
    if isinstance(node, dict):
        return {
            k: (
                str(int(v) + by)
                if (k == "eventId" or k.endswith("EventId")) and int(v) > after
                else _shift(v, after, by)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_shift(v, after, by) for v in node]
    return node


def split_after_first_local_activity(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The history as if the worker had answered its task right after the first local
    activity's marker, with the rest of that task's commands in a new task; None when
    there is nothing to split."""
    events = doc["events"]
    at = next((i for i, e in enumerate(events) if _is_local_activity(e)), None)
    if at is None or at + 1 >= len(events) or events[at + 1]["eventType"].startswith(WFT):
        return None
    marker = int(events[at]["eventId"])
    rest = [_shift(e, marker, 3) for e in events[at + 1 :]]
    scheduled, started, completed = (copy.deepcopy(e) for e in events[1:4])
    for offset, event in enumerate((scheduled, started, completed), start=1):
        event["eventId"] = str(marker + offset)
        event["eventTime"] = events[at]["eventTime"]
    started["workflowTaskStartedEventAttributes"]["scheduledEventId"] = str(marker + 1)
    done = completed["workflowTaskCompletedEventAttributes"]
    done["scheduledEventId"], done["startedEventId"] = str(marker + 1), str(marker + 2)
    for event in rest:
        if event["eventType"].startswith(WFT):
            break
        for attrs in event.values():
            if isinstance(attrs, dict) and "workflowTaskCompletedEventId" in attrs:
                attrs["workflowTaskCompletedEventId"] = str(marker + 3)
    return {**doc, "events": [*events[: at + 1], scheduled, started, completed, *rest]}


def _has_patch(doc: dict[str, Any], patch: str) -> bool:
    for event in doc["events"]:
        attrs = event.get("markerRecordedEventAttributes", {})
        if attrs.get("markerName") == "core_patch":
            data = attrs["details"]["patch-data"]["payloads"][0]["data"]
            if json.loads(base64.b64decode(data))["id"] == patch:
                return True
    return False


def _split(name: str) -> WorkflowHistory:
    doc = json.loads((HISTORIES / name).read_text())
    split = split_after_first_local_activity(doc)
    assert split is not None, f"{name} has no local activity to split after"
    return WorkflowHistory.from_json(name, split)


CURRENT = sorted(
    p.name
    for p in HISTORIES.glob("*.json")
    if any(_has_patch(json.loads(p.read_text()), x) for x in (PATCH_CHECKS_FIRST, PATCHES_IN_FORCE))
)


def test_there_are_recorded_histories_of_the_current_code() -> None:
    assert len(CURRENT) >= 5


@pytest.mark.parametrize("name", CURRENT)
async def test_current_histories_replay_with_a_task_boundary_after_a_local_activity(
    name: str,
) -> None:
    await Replayer(workflows=[CaseWorkflow]).replay_workflow(_split(name))


async def test_the_split_breaks_histories_that_check_a_patch_after_a_local_activity() -> None:
    # Recorded before the patches were decided at the start: the split makes its replay
    # fail, which is how cases got stuck; the histories above show the current code does not.
    result = await Replayer(workflows=[CaseWorkflow]).replay_workflow(
        _split("escalated_to_supervision_v4.json"), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
    assert "patch marker" in str(result.replay_failure)
