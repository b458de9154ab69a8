"""The Open311 service catalogue, built from the topic taxonomy's names (services.csv).

One service per level-2 topic, grouped by its level-1 topic; the level-3 names are the
values of the service's optional `subcategory` attribute.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.common.request_types import LABELS, RequestType

SERVICES_FILE = Path(__file__).parent / "services.csv"
SUBCATEGORY = "subcategory"
REQUEST_TYPE = "request_type"


@dataclass(frozen=True, kw_only=True)
class Service:
    """One service a citizen can request."""

    code: str
    name: str
    group: str
    subcategories: tuple[str, ...]

    def summary(self) -> dict[str, object]:
        """The service as GET services lists it."""
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": f"{self.group}：{self.name}（{'、'.join(self.subcategories[:5])}等）",
            "metadata": True,
            "type": "realtime",
            "keywords": ",".join(self.subcategories),
            "group": self.group,
        }

    def definition(self) -> dict[str, object]:
        """The service's attributes as GET services/{code} describes them."""
        return {
            "service_code": self.code,
            "attributes": [
                {
                    "variable": True,
                    "code": SUBCATEGORY,
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": "选择最贴切的具体事项",
                    "order": 1,
                    "description": "具体事项",
                    "values": [
                        {"key": str(i), "name": name}
                        for i, name in enumerate(self.subcategories, start=1)
                    ],
                },
                {
                    "variable": True,
                    "code": REQUEST_TYPE,
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": "不选时按诉求内容判断",
                    "order": 2,
                    "description": "诉求类型",
                    "values": [{"key": t.value, "name": LABELS[t]} for t in RequestType],
                },
            ],
        }

    def subcategory(self, key: str) -> str | None:
        """The level-3 name of an attribute value key, or None if the key is unknown."""
        if key.isdigit() and 1 <= int(key) <= len(self.subcategories):
            return self.subcategories[int(key) - 1]
        return None


def parse(lines: list[str]) -> dict[str, Service]:
    """Services by code from the CSV lines (comment lines start with #)."""
    rows = csv.DictReader(line for line in lines if not line.startswith("#"))
    grouped: dict[str, tuple[str, str, list[str]]] = {}
    for row in rows:
        code = row["service_code"]
        grouped.setdefault(code, (row["group"], row["service_name"], []))[2].append(
            row["subcategory"]
        )
    return {
        code: Service(code=code, name=name, group=group, subcategories=tuple(subs))
        for code, (group, name, subs) in grouped.items()
    }


@cache
def services() -> dict[str, Service]:
    """The shipped catalogue, read once."""
    return parse(SERVICES_FILE.read_text(encoding="utf-8").splitlines())
