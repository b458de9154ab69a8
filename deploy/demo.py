#!/usr/bin/env python3
"""Posts a handful of realistic cases to the running stack's intake, so every UI has data.

With --once it does nothing if the demo data of this profile was loaded before.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

CASES: list[dict[str, object]] = [
    {
        "channel": "phone",
        "caller_phone": "13912345678",
        "caller_name": "王先生",
        "title": "柳岸路路灯不亮",
        "content": "柳岸路柳岸花园门口的三盏路灯坏了快一个星期，晚上漆黑一片，老人小孩出门不安全，"
        "请尽快维修。",
        "address": "柳岸路柳岸花园门口",
    },
    {
        "channel": "wechat",
        "caller_phone": "13787654321",
        "caller_name": "李女士",
        "title": "金桥名苑门口垃圾堆积",
        "content": "金桥名苑小区门口的垃圾桶满了两天没人清运，气味很大，招来很多苍蝇。",
        "address": "金桥大道金桥名苑",
    },
    {
        "channel": "phone",
        "caller_phone": "0731-88886666",
        "caller_name": "赵先生",
        "title": "工地夜间施工噪音扰民",
        "content": "银杏路旁边的工地连续一周晚上十一点以后还在打桩施工，"
        "噪音很大，影响周边居民休息，"
        "多次找工地没有用，请环保和城管部门处理。",
        "address": "银杏路",
    },
    {
        "channel": "web",
        "caller_phone": "15011112222",
        "caller_name": "陈女士",
        "title": "拖欠工资",
        "content": "我们二十多名农民工在青山镇一个建筑工地干了半年，老板拖欠工资十几万元，"
        "一直找不到人，过年回不了家，请劳动监察部门帮忙追讨。",
        "address": "青山镇青山集镇",
    },
    {
        "channel": "phone",
        "caller_phone": "18600001111",
        "caller_name": "刘先生",
        "title": "燃气管道泄漏",
        "content": "文昌社区3栋楼道里有很浓的燃气味，怀疑管道泄漏，住户很害怕，请马上派人处理！",
        "address": "文昌社区3栋",
        "urgent": True,
    },
    {
        "channel": "home_visit",
        "caller_phone": "13300004444",
        "caller_name": "孙大爷",
        "title": "安置房房产证多年未办",
        "content": "桃溪村拆迁安置房2012年就交房了，十多年过去房产证一直办不下来，"
        "多次反映都说在协调，"
        "至今没有解决，希望政府给个说法。",
        "address": "桃溪村安置小区",
    },
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="skip if loaded before")
    args = parser.parse_args()
    profile = os.environ.get("MINHU_PROFILE", "dev")
    marker = ROOT / "var" / profile / "demo-loaded"
    if args.once and marker.exists():
        print("[demo] demo cases were loaded before; `make demo` posts more")
        return 0
    url = os.environ.get("MINHU_INTAKE_URL", "http://127.0.0.1:8001")
    # The demo API client every local profile seeds (scope cases:write).
    with httpx.Client(timeout=10, headers={"X-API-Key": "minhu-demo"}) as client:
        for case in CASES:
            resp = client.post(f"{url}/v1/cases", json=case)
            if resp.status_code != 201:
                print(f"[demo] intake refused a demo case: {resp.status_code} {resp.text}")
                return 1
            print(f"[demo] {resp.json()['case_no']}  {case['title']}")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return 0


if __name__ == "__main__":
    sys.exit(main())
