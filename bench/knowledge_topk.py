"""How often the knowledge base suggests the right kind of answer, on real messages with the
official replies they got.

Reads ../shared/data/replies_dev.jsonl at run time (never copied into the repo) and ranks the
knowledge base intake seeds (services/intake/knowledge/seed.yaml) for each message's title
and text, as the console does while the operator types (BM25 over jieba tokens, entries
valid on the day). "The right kind of answer" is judged two ways:

- unit kind: the department that answered (the first district department the official reply
  names: 人社, 教育, 住建, 公安 ...) is the source unit kind of a top-3 entry. Replies that
  name no department (a township or a community answered) are not judged this way;
- topic: a top-3 entry has the topic dispatch's classifier gives the message (the replies
  carry no topic label, so this measures agreement with dispatch, not truth).

A baseline suggests the same three entries for every message: one entry of each of the three
unit kinds answering most often, so a ranking must beat simply knowing who answers most.
Run:
    .venv/bin/python bench/knowledge_topk.py [--data ../shared/data] [--day 2026-12-01]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.common.jurisdiction import Directory
from services.dispatch.domain import CaseText
from services.dispatch.domain.hybrid import HybridClassifier
from services.intake.knowledge.rank import Index
from services.intake.knowledge.store import seed_as_entries

TOP = 3
# Department kinds by the words an official reply names them with (longer names first).
KINDS: dict[str, tuple[str, ...]] = {
    "RSJ": ("人力资源和社会保障", "人力资源社会保障", "人社", "社保局", "社会保险", "就业服务"),
    "JYJ": ("教育局", "教育部门", "教育厅"),
    "ZJJ": ("住房和城乡建设", "住建", "住房保障", "房产局", "住房公积金", "公积金中心"),
    "GAJ": ("公安", "派出所", "交警"),
    "CGJ": ("城市管理", "城管", "综合执法局"),
    "MZJ": ("民政",),
    "WJW": ("卫生健康", "卫健", "医疗保障", "医保局"),
    "ZRJ": ("自然资源", "国土资源", "不动产登记"),
    "SJJ": ("市场监督管理", "市场监管", "工商"),
    "JTJ": ("交通运输", "运管", "公交集团"),
    "STJ": ("生态环境", "环保局", "环境保护局"),
    "NYJ": ("农业农村", "农业局"),
    "ZWJ": ("政务服务", "行政审批"),
    "FGJ": ("发展和改革", "发改"),
    "SWJ": ("商务", "文化旅游", "文旅"),
    "JW": ("纪委", "监委"),
}
NAMES = {
    "RSJ": "人社",
    "JYJ": "教育",
    "ZJJ": "住建",
    "GAJ": "公安",
    "CGJ": "城管",
    "MZJ": "民政",
    "WJW": "卫健",
    "ZRJ": "自然资源",
    "SJJ": "市场监管",
    "JTJ": "交通",
    "STJ": "生态环境",
    "NYJ": "农业农村",
    "ZWJ": "政务服务",
    "FGJ": "发改",
    "SWJ": "商务文旅",
    "JW": "纪委",
}
_PATTERN = re.compile(
    "|".join(f"(?P<{kind}>{'|'.join(map(re.escape, words))})" for kind, words in KINDS.items())
)


def reply_kind(reply: str) -> str | None:
    """The department kind the official reply names first, or None."""
    m = _PATTERN.search(reply)
    return m.lastgroup if m else None


def main() -> None:
    """Print hit@1 and hit@3 overall, per unit kind and per topic, and the baseline."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--file", default="replies_dev.jsonl")
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 12, 1))
    args = parser.parse_args()
    with (args.data / args.file).open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    directory = Directory.from_file()
    entries = seed_as_entries()
    kind_of = {e.entry_id: directory.unit(e.source_unit_id).department for e in entries}
    index = Index(entries)
    classifier = HybridClassifier.load()

    judged = Counter[str]()
    hit1 = Counter[str]()
    hit3 = Counter[str]()
    suggested = 0
    per_topic: dict[str, Counter[str]] = defaultdict(Counter)
    kinds_seen = Counter[str]()
    outcomes: list[tuple[str | None, list[str | None]]] = []
    for r in rows:
        text = f"{r['title']} {r['text']}"
        found = index.rank(text, day=args.day, limit=TOP)
        suggested += bool(found)
        topic = classifier.classify(CaseText(r["title"], r["text"])).topic
        t = per_topic[topic]
        t["messages"] += 1
        t["topic_hit3"] += any(m.entry.topic == topic for m in found)
        kind = reply_kind(r["reply"])
        kinds = [kind_of[m.entry.entry_id] for m in found]
        outcomes.append((kind, kinds))
        if kind is None:
            continue
        kinds_seen[kind] += 1
        t["judged"] += 1
        judged[kind] += 1
        hit1[kind] += bool(kinds[:1] == [kind])
        hit3[kind] += kind in kinds
        t["unit_hit3"] += kind in kinds

    total = sum(judged.values())
    print(f"{args.file}: {len(rows)} messages; knowledge base: {len(entries)} entries")
    print(f"messages with at least one suggestion: {suggested / len(rows):.1%}")
    print(
        f"unit kind judged on {total} replies naming a department "
        f"({len(rows) - total} name none: a township or community answered)"
    )
    print(
        f"unit kind in top 1: {sum(hit1.values()) / total:.1%}   "
        f"in top {TOP}: {sum(hit3.values()) / total:.1%}"
    )
    common = [k for k, _ in kinds_seen.most_common(TOP)]
    base = sum(1 for kind, _ in outcomes if kind is not None and kind in common)
    print(
        f"baseline (always one entry of each of {'、'.join(NAMES[k] for k in common)}): "
        f"top {TOP}: {base / total:.1%}"
    )
    print("unit kind     replies  top1    top3")
    for kind, n in judged.most_common():
        print(f"{NAMES[kind]:<10} {n:8d}  {hit1[kind] / n:6.1%}  {hit3[kind] / n:6.1%}")
    print("topic (dispatch's)  messages  same topic in top3  judged  unit kind in top3")
    for topic, t in sorted(per_topic.items(), key=lambda kv: -kv[1]["messages"]):
        unit = f"{t['unit_hit3'] / t['judged']:6.1%}" if t["judged"] else "     —"
        print(
            f"{topic:<12} {t['messages']:10d}  {t['topic_hit3'] / t['messages']:18.1%}"
            f"  {t['judged']:6d}  {unit}"
        )


if __name__ == "__main__":
    main()
