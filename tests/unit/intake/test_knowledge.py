"""The knowledge base's pure parts: ranking, validity, who may change entries, the seed."""

from __future__ import annotations

from datetime import date

from services.common.access import Kind, Principal
from services.common.jurisdiction import Directory
from services.common.topics import TOPICS
from services.intake.knowledge.rank import Entry, Index, tokens
from services.intake.knowledge.rules import dates_problem, may_manage
from services.intake.knowledge.store import seed_as_entries, seed_entries

DAY = date(2026, 12, 1)


def entry(entry_id: int, title: str, body: str, **more: object) -> Entry:
    return Entry(entry_id=entry_id, title=title, body=body, topic="民政", **more)  # type: ignore[arg-type]


def test_tokens_drop_stopwords_and_single_characters() -> None:
    assert tokens("请问孩子上小学需要什么材料") == ["孩子", "小学", "材料"]


def test_the_entry_about_the_matter_ranks_first() -> None:
    index = Index(
        [
            entry(1, "低保申请", "家庭月人均收入低于低保标准的可申请最低生活保障"),
            entry(2, "结婚登记", "男女双方持身份证户口簿到婚姻登记处办理"),
            entry(3, "高龄津贴", "年满80周岁老人可申请高龄津贴"),
        ]
    )
    found = index.rank("我家里困难，想问一下低保怎么申请", day=DAY)
    assert [m.entry.entry_id for m in found][:1] == [1]
    assert "低保" in found[0].matched


def test_entries_out_of_their_dates_are_never_suggested() -> None:
    index = Index(
        [
            entry(1, "供暖时间", "集中供暖时间", valid_until=date(2026, 3, 31)),
            entry(2, "供暖报修", "暖气不热报修", valid_from=date(2027, 1, 1)),
            entry(3, "供暖收费", "取暖费标准", valid_from=date(2026, 11, 1)),
        ]
    )
    assert [m.entry.entry_id for m in index.rank("供暖", day=DAY)] == [3]
    assert Entry(9, "t", "b", "民政", valid_until=DAY).valid_on(DAY)


def test_nothing_matched_suggests_nothing() -> None:
    assert Index([entry(1, "低保申请", "最低生活保障")]).rank("路灯坏了", day=DAY) == []


def test_at_most_three_suggestions() -> None:
    entries = [entry(i, f"公积金提取{i}", "住房公积金提取办理") for i in range(1, 6)]
    assert len(Index(entries).rank("公积金提取", day=DAY)) == 3


def person(role: str, unit: str) -> Principal:
    return Principal(Kind.PERSON, name="x", role=role, unit_id=unit)


def test_admins_manage_all_units_people_their_own_unit_only() -> None:
    assert may_manage(person("admin", "U-D01-DBZX"), "U-D01-RSJ")
    assert may_manage(person("handler", "U-D01-RSJ"), "U-D01-RSJ")
    assert may_manage(person("supervisor", "U-D01-RSJ"), "U-D01-RSJ")
    assert not may_manage(person("handler", "U-D01-JYJ"), "U-D01-RSJ")
    assert not may_manage(person("operator", "U-D01-RSJ"), "U-D01-RSJ")
    assert not may_manage(Principal(Kind.SERVICE, name="desk"), "U-D01-RSJ")


def test_validity_dates_must_be_in_order() -> None:
    assert dates_problem(date(2026, 1, 1), date(2025, 12, 31)) == "失效日期不能早于生效日期"
    assert dates_problem(date(2026, 1, 1), None) is None


def test_the_seed_has_thirty_entries_of_known_topics_and_units() -> None:
    seeded = seed_entries()
    directory = Directory.from_file()
    assert len(seeded) >= 30
    for values in seeded:
        assert values["topic"] in TOPICS
        directory.unit(values["source_unit_id"])
        assert len(values["body"]) >= 40
    subjects = " ".join(v["title"] for v in seeded)
    for matter in ("养老保险", "落户", "供暖", "物业", "入学", "公积金", "垃圾分类"):
        assert matter in subjects


def test_the_seed_answers_common_questions() -> None:
    index = Index(seed_as_entries())
    asked = {
        "孩子明年上小学，随迁子女怎么报名入学": "小学一年级入学报名",
        "暖气一点都不热，屋里只有十五度": "冬季供暖时间和暖气不热报修",
        "租房可以提取公积金吗": "住房公积金提取",
        "厨余垃圾和其他垃圾怎么分": "垃圾分类投放要求",
    }
    for question, title in asked.items():
        assert index.rank(question, day=DAY)[0].entry.title == title, question
