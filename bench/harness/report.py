"""The bench's results as JSON, a Markdown table and a PNG plot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAIN_PROCS = (
    "intake",
    "dispatch",
    "sla",
    "notify",
    "desk",
    "temporal",
    "kafka",
    "postgres",
    "bench",
)


def _cpu(usage: dict[str, dict[str, float]]) -> str:
    names = [n for n in usage if n in MAIN_PROCS or n.startswith("sla")]
    return ", ".join(f"{n} {usage[n]['cpu_percent']:.0f}%" for n in names)


def _per_case(step: dict[str, Any]) -> str:
    """CPU milliseconds each case cost each process: steadier than latency on a busy machine."""
    usage, n = step["usage"], max(step["posted"] - step["errors"], 1)
    names = [k for k in usage if k in MAIN_PROCS or k.startswith("sla")]
    total = sum(usage[k].get("cpu_seconds", 0.0) for k in names if k != "bench")
    parts = ", ".join(f"{k} {1000 * usage[k].get('cpu_seconds', 0.0) / n:.1f}" for k in names)
    return f"{1000 * total / n:.1f} ms in all servers and services ({parts})"


def _net_per_case(step: dict[str, Any], idle: dict[str, dict[str, float]]) -> str:
    """CPU milliseconds per case beyond what each process spends idle over the same time."""
    usage, n = step["usage"], max(step["posted"] - step["errors"], 1)
    names = [k for k in usage if (k in MAIN_PROCS or k.startswith("sla")) and k in idle]
    parts = []
    total = 0.0
    for k in names:
        spent = usage[k].get("cpu_seconds", 0.0)
        window = 100 * spent / usage[k]["cpu_percent"] if usage[k]["cpu_percent"] else 0.0
        net = max(spent - idle[k]["cpu_percent"] / 100 * window, 0.0)
        if k != "bench":
            total += net
        parts.append(f"{k} {1000 * net / n:.1f}")
    return f"{1000 * total / n:.1f} ms ({', '.join(parts)})"


def _mem(usage: dict[str, dict[str, float]]) -> str:
    names = [n for n in usage if n in MAIN_PROCS or n.startswith("sla")]
    return ", ".join(f"{n} {usage[n]['peak_rss_mb']:.0f}" for n in names)


def markdown(result: dict[str, Any]) -> str:
    """The human-readable report."""
    out = [f"# Minhu bench ({result['mode']}, {result['started']})", ""]
    out.append(
        f"Load: {result['messages']['count']} real messages from `{result['messages']['source']}`, "
        f"each with a grid code; open loop; 2-core machine shared with other work, so "
        f"absolute figures move between runs: compare within one run."
    )
    out += ["", "## Ramp", ""]
    out.append(
        "| offered/s | accepted/s | refused (503) | POST p50 / p99 | end to end p50 / p99 "
        "| backlog at end | drain | not through | manual | kept up |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for s in [*result["ramp"], *([result["overload"]] if result.get("overload") else [])]:
        drain = "—" if s["drain_s"] is None else f"{s['drain_s']:.1f} s"
        label = f"{s['offered_per_s']:g}" + (" (overload)" if s is result.get("overload") else "")
        out.append(
            f"| {label} | {s['accepted_per_s']:.1f} | {s.get('refused', 0)} | "
            f"{s['post_p50_ms']:.0f} ms / "
            f"{s['post_p99_ms']:.0f} ms | {s['e2e_p50_s']:.2f} s / {s['e2e_p99_s']:.2f} s | "
            f"{s['backlog_at_end']} | {drain} | {s['lost']} of {s['posted']} | {s['manual']} | "
            f"{'yes' if s['sustained'] else 'no'} |"
        )
    legs = [s for s in result["ramp"] if s.get("hops_p50_s")]
    if legs:
        out += [
            "",
            "Where the time went, p50 of each leg (outbox: acknowledged → case.received;"
            " dispatch → case.dispatched; workflow: → first deadlines; notice: dispatched →"
            " the unit's in-app notice):",
            "",
        ]
        for s in legs:
            each = ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in s["hops_p50_s"].items())
            out.append(f"- {s['offered_per_s']:g}/s: {each}")
    out += ["", "CPU (share of one core) per process, by step:", ""]
    for s in [*result["ramp"], *([result["overload"]] if result.get("overload") else [])]:
        out.append(
            f"- {s['offered_per_s']:g}/s: {_cpu(s['usage'])}; peak MB (PSS): {_mem(s['usage'])}; "
            f"CPU per case: {_per_case(s)}"
        )
    steps = [*result["ramp"], *([result["overload"]] if result.get("overload") else [])]
    idle = result.get("idle") or {}
    if idle:
        out += ["", f"Idle, before the ramp: {_cpu(idle)}. CPU per case net of idle:", ""]
        for s in steps:
            out.append(f"- {s['offered_per_s']:g}/s: {_net_per_case(s, idle)}")
    if any(s.get("statements") for s in steps):
        out += ["", "Database statements per case (pg_stat_statements), by step:", ""]
        for s in steps:
            calls = s.get("statements", {}).get("calls_per_case", {})
            if calls:
                each = ", ".join(f"{db.removeprefix('minhu_')} {c:g}" for db, c in calls.items())
                out.append(f"- {s['offered_per_s']:g}/s: {sum(calls.values()):.1f} ({each})")
    out += ["", "## Baselines (same machine, same run)", ""]
    out.append("| part | per second | p50 | p99 | items | how |")
    out.append("|---|---|---|---|---|---|")
    for b in result["baselines"]:
        out.append(
            f"| {b['name']} | {b['per_second']:.0f} | {b['p50_ms']:.1f} ms | "
            f"{b['p99_ms']:.1f} ms | {b['items']} | {b['note']} |"
        )
    s = result["summary"]
    out += [
        "",
        "## Summary",
        "",
        f"- sustained end-to-end rate: **{s['sustained_per_s']:g} cases/s** "
        "(highest step kept up: ≥97 % accepted, end-to-end p99 ≤ 2 s, drained in ≤ 5 s, none lost)",
        f"- slowest baseline: {s['slowest_baseline']} at {s['slowest_baseline_per_s']:.0f}/s; "
        f"ratio Minhu / slowest = **{s['ratio']:.2f}**",
    ]
    if s.get("e2e_p99_at_50") is not None:
        out.append(f"- end-to-end p99 at 50 cases/s: {s['e2e_p99_at_50']:.2f} s")
    if result.get("escalation"):
        e = result["escalation"]
        out.append(
            f"- escalation: {e['cases']} cases due within {e['window_s']:.0f} s: "
            f"breach-to-announcement lag p50 {e['p50_s']:.2f} s, p99 {e['p99_s']:.2f} s, "
            f"max {e['max_s']:.2f} s ({e['breaches']} breaches seen; all workflows running "
            f"{e['started_in_s']:.0f} s after the dispatches)"
        )
        if e.get("late_starts"):
            out.append(
                f"  - {e['late_starts']} workflows started only after their deadline; over the "
                f"cases open at their deadline: p50 {e['open_p50_s']:.2f} s, "
                f"p99 {e['open_p99_s']:.2f} s"
            )
    if result.get("others"):
        out += ["", "## Other benches", ""]
        for name, text in result["others"].items():
            out += [f"### {name}", "", "```", text.strip(), "```", ""]
    return "\n".join(out) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    """Latency against offered rate: POST and end to end, p50 and p99, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [*result["ramp"], *([result["overload"]] if result.get("overload") else [])]
    steps = sorted(steps, key=lambda s: s["offered_per_s"])
    x = [s["offered_per_s"] for s in steps]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    ax.plot(x, [s["e2e_p50_s"] for s in steps], "o-", label="end to end p50")
    ax.plot(x, [s["e2e_p99_s"] for s in steps], "o--", label="end to end p99")
    ax.plot(x, [s["post_p50_ms"] / 1000 for s in steps], "s-", label="POST p50")
    ax.plot(x, [s["post_p99_ms"] / 1000 for s in steps], "s--", label="POST p99")
    sustained = result["summary"]["sustained_per_s"]
    if sustained:
        ax.axvline(sustained, color="grey", linestyle=":", label=f"sustained {sustained:g}/s")
    ax.set_yscale("log")
    ax.set_xlabel("offered cases per second")
    ax.set_ylabel("seconds")
    ax.set_title(f"Minhu latency against offered rate ({result['mode']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(result: dict[str, Any], folder: Path) -> str:
    """bench.json, bench.md and bench.png in folder; returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    text = markdown(result)
    (folder / "bench.md").write_text(text)
    plot(result, folder / "bench.png")
    return text
