"""Named handlers, backups and 重大疑难 leaders: the pure rules and what they fold into."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.access.casework import case_at
from services.common.jurisdiction import Directory
from services.desk.board.rules import fold
from services.desk.people import rules
from services.desk.people.fold import PEOPLE
from services.desk.people.rules import Member
from services.desk.record.story import story
from services.desk.ui.users import User

DIRECTORY = Directory.from_file()
V1, V2, DBZX = "U-D01-T01-V01", "U-D01-T01-V02", "U-D01-DBZX"
HEAD = Member("zhang", "张主任", V1, "handler", head=True)
WANG = Member("wang", "王网格员", V1, "handler", backup="li")
LI = Member("li", "李干事", V1, "handler")
OTHER = Member("qiao", "李主任", V2, "handler", head=True)
TEAM = [HEAD, WANG, LI]
CASE = {"case_no": "20261201000001", "unit_id": V1, "state": "dispatched", "assignee": ""}


def as_user(m: Member) -> User:
    return User(m.username, m.name, m.unit_id, m.role)


def test_only_the_unit_head_names_a_handler_of_their_own_unit() -> None:
    assert rules.assign_refusal(as_user(HEAD), CASE, WANG, TEAM) is None
    assert "负责人" in str(rules.assign_refusal(as_user(WANG), CASE, LI, TEAM))
    # Another unit's head is no head here; nor is a person of another unit a handler here.
    assert "负责人" in str(rules.assign_refusal(as_user(OTHER), CASE, WANG, [*TEAM, OTHER]))
    assert "在岗" in str(rules.assign_refusal(as_user(HEAD), CASE, OTHER, [*TEAM, OTHER]))
    admin = User("admin", "系统管理员", DBZX, "admin")
    assert rules.assign_refusal(admin, CASE, LI, TEAM) is None


def test_a_case_already_with_the_person_or_closed_is_not_assigned_again() -> None:
    mine = {**CASE, "assignee": "wang"}
    assert "已由王网格员承办" in str(rules.assign_refusal(as_user(HEAD), mine, WANG, TEAM))
    closed = {**CASE, "state": "closed"}
    assert rules.assign_refusal(as_user(HEAD), closed, WANG, TEAM) is not None
    assert not rules.may_assign(as_user(HEAD), closed, TEAM)
    gone = Member("wang", "王网格员", V1, "handler", active=False)
    assert rules.assign_refusal(as_user(HEAD), CASE, gone, [HEAD, gone]) is not None


def test_an_away_handlers_cases_are_their_backups_and_come_back_on_return() -> None:
    away = [HEAD, Member("wang", "王网格员", V1, "handler", backup="li", away=True), LI]
    assert rules.owners("li", away) == ["li", "wang"]
    stand_in = rules.stand_in("wang", away)
    assert stand_in is not None and stand_in.username == "li"
    # While 王 is in, 李 holds only their own; the head holds nobody else's.
    assert rules.owners("li", TEAM) == ["li"]
    assert rules.stand_in("wang", TEAM) is None
    assert rules.owners("zhang", away) == ["zhang"]


def test_a_backup_is_of_the_same_unit_and_away_needs_one() -> None:
    assert rules.backup_refusal(as_user(WANG), WANG, LI, TEAM) is None
    assert rules.backup_refusal(as_user(HEAD), WANG, LI, TEAM) is None
    assert "本人" in str(rules.backup_refusal(as_user(LI), WANG, HEAD, TEAM))
    assert "自己" in str(rules.backup_refusal(as_user(WANG), WANG, WANG, TEAM))
    assert "同一单位" in str(rules.backup_refusal(as_user(WANG), WANG, OTHER, [*TEAM, OTHER]))
    alone = Member("li", "李干事", V1, "handler")
    assert "AB岗" in str(rules.away_refusal(as_user(LI), alone, True, TEAM))
    assert rules.away_refusal(as_user(WANG), WANG, True, TEAM) is None
    assert rules.away_refusal(as_user(HEAD), WANG, True, TEAM) is None
    assert "本人" in str(rules.away_refusal(as_user(LI), WANG, True, TEAM))


MAJOR = {
    "case_no": "20261201000002",
    **case_at(DIRECTORY, "U-D01-CGJ"),
    "state": "dispatched",
    "major": True,
    "leader": "",
}
DUBAN = User("duban", "冯主任", DBZX, "supervisor")
TOWN_DUBAN = User("hubin-duban", "林督办员", "U-D01-T01", "supervisor")
LEADER = Member("baoan", "陈副区长", DBZX, "supervisor")
AUDITOR = Member("auditor", "韩审计员", DBZX, "auditor")


def test_a_district_supervisor_names_a_leader_who_may_see_the_case() -> None:
    people = [LEADER, AUDITOR, WANG]
    assert rules.leader_refusal(DUBAN, MAJOR, LEADER, people, DIRECTORY) is None
    # A township's supervisor is no district overseer; auditors and a village's handler
    # cannot lead a case they may not see.
    assert "区级" in str(rules.leader_refusal(TOWN_DUBAN, MAJOR, LEADER, people, DIRECTORY))
    assert rules.leader_refusal(DUBAN, MAJOR, AUDITOR, people, DIRECTORY) is not None
    assert rules.leader_refusal(DUBAN, MAJOR, WANG, people, DIRECTORY) is not None
    assert [m.username for m in rules.leaders(MAJOR, people, DIRECTORY)] == ["baoan"]
    plain = {**MAJOR, "major": False}
    assert "不是重大疑难" in str(rules.leader_refusal(DUBAN, plain, LEADER, people, DIRECTORY))


def test_only_the_leader_submits_a_plan_and_it_must_say_something() -> None:
    led = {**MAJOR, "leader": "baoan"}
    baoan = as_user(LEADER)
    assert rules.plan_refusal(baoan, led, "区城管局牵头，三日内拆除") is None
    assert "包案领导本人" in str(rules.plan_refusal(DUBAN, led, "方案"))
    assert "请填写" in str(rules.plan_refusal(baoan, led, "  "))
    assert "尚未指定" in str(rules.plan_refusal(baoan, MAJOR, "方案"))


class Calendar:
    """Working 9:00-17:00 UTC on 1, 2, 4, 7 and 8 Dec (the 3rd a holiday, then a weekend)."""

    def __init__(self) -> None:
        self.office_day = timedelta(hours=8)
        self.spans = [
            (datetime(2026, 12, d, 9, tzinfo=UTC), datetime(2026, 12, d, 17, tzinfo=UTC))
            for d in (1, 2, 4, 7, 8)
        ]


def test_the_plan_is_due_after_working_days_skipping_what_is_not_work() -> None:
    start = datetime(2026, 12, 1, 13, tzinfo=UTC)
    # 3 working days = 24 office hours: 4 on the 1st, 8 on the 2nd, 8 on the 4th, 4 on the 7th.
    assert rules.plan_due(start, 3, Calendar()) == datetime(2026, 12, 7, 13, tzinfo=UTC)
    assert rules.plan_due(start, 3, None) == start + timedelta(days=3)
    assert rules.load_policy().plan_within_working_days == 3


def test_the_plan_is_overdue_only_while_awaited_past_its_deadline() -> None:
    now = datetime(2026, 12, 8, tzinfo=UTC)
    due = datetime(2026, 12, 7, tzinfo=UTC)
    assert rules.plan_status({"plan_state": "awaiting", "plan_due": due}, now) == "已超期"
    assert rules.plan_status({"plan_state": "awaiting", "plan_due": now + due.resolution}, now)
    assert rules.plan_status({"plan_state": "submitted", "plan_due": due}, now) == "已提交"


def test_people_entries_fold_into_the_board_and_a_move_to_another_unit_clears_the_handler() -> None:
    named = fold(PEOPLE, {"kind": "assigned", "assignee": "wang", "assignee_name": "王网格员"}, V1)
    assert named.values == {"assignee": "wang", "assignee_name": "王网格员"}
    led = fold(
        PEOPLE,
        {
            "kind": "leader_named",
            "leader": "baoan",
            "leader_name": "陈副区长",
            "plan_due": "2026-12-07T13:00:00+00:00",
        },
        V1,
    )
    assert led.values["plan_state"] == "awaiting" and led.values["plan_due"].day == 7
    assert fold(PEOPLE, {"kind": "plan_submitted"}, V1).values == {"plan_state": "submitted"}
    assert fold(PEOPLE, {"kind": "covered", "assignee": "wang"}, V1).values == {}
    with pytest.raises(ValueError):
        fold(PEOPLE, {"kind": "nonsense"}, V1)
    up = fold(
        "minhu.case.sla.v1",
        {
            "kind": "escalated",
            "deadline": "accept",
            "light": "green",
            "tier": "township",
            "unit_id": "U-D01-T01",
            "due": "2026-11-23T03:00:00Z",
            "escalation_level": 1,
        },
        V1,
    )
    assert up.values["assignee"] == ""
    same = fold(
        "minhu.case.sla.v1",
        {
            "kind": "deadlines_set",
            "light": "green",
            "deadline": "",
            "unit_id": V1,
            "tier": "village",
            "state": "",
        },
        V1,
    )
    assert "assignee" not in same.values


def test_the_record_tells_each_assignment_in_chinese() -> None:
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    entries = [
        {
            "seq": 1,
            "at": at,
            "kind": "assigned",
            "event_type": PEOPLE,
            "data": {"kind": "assigned"},
            "actor": "zhang",
            "actor_name": "张主任",
            "actor_unit_id": V1,
            "unit_id": V1,
            "note": "承办人：李干事（原承办人：王网格员）",
            "signed_as": "",
        }
    ]
    (line,) = story(entries, lambda u: "柳岸社区居民委员会")
    assert line.what == "指定承办人" and "原承办人：王网格员" in line.note
    assert line.who.startswith("张主任")
