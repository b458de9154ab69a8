"""Named handlers and 重大疑难 in Debian's Chromium: 柳岸社区's head assigns a case to 王网格员,
who names 李干事 as backup (AB岗) and is marked away; the case moves to 李干事's 我的, who
accepts it, and the record names each step. A district supervisor names the leader
(包案领导) of a major case, who submits the plan (处置方案), and the map shows both."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.queue_support import (
    browser,
    context,
    login,
    post_case,
    shot,
    title_tag,
    wait_on_board,
)
from tests.support import StackAddresses

__all__ = ["browser"]
HEAD, WANG, LI = "liuan-zhang", "liuan", "liuan-li"


def _mine(page: Page, stack: StackAddresses, tag: str, case_no: str) -> None:
    page.goto(f"{stack.desk}/queue?tab=mine&q={tag}")
    expect(page.locator(f'tr[data-case="{case_no}"]')).to_be_visible(timeout=15_000)


def _back_in(page: Page, stack: StackAddresses) -> None:
    # The stack is shared with later tests: 王网格员 is left in.
    page.goto(f"{stack.desk}/team")
    button = page.locator(f"#away-{WANG}")
    if button.inner_text() == "标记返岗":
        button.click()
        expect(page.locator("#team-done")).to_contain_text("返岗")


def test_a_unit_head_assigns_a_case_and_the_backup_takes_over(
    browser: Browser, stack: StackAddresses
) -> None:
    tag = title_tag()
    case_no = post_case(stack, title=f"柳岸路路灯不亮 {tag}")
    wait_on_board(stack, HEAD, case_no, "dispatched")

    head = context(browser).new_page()
    login(head, stack, HEAD)
    head.goto(f"{stack.desk}/cases/{case_no}")
    expect(head.locator("#assignee")).to_contain_text("未指定")
    head.select_option("#pick-assignee", WANG)
    head.click("#assign")
    expect(head.locator("#people-done")).to_contain_text("王网格员")
    expect(head.locator("#assignee")).to_have_text("王网格员")
    expect(head.locator('#timeline li[data-kind="assigned"]')).to_contain_text("承办人：王网格员")
    shot(head, "people-1-head-assigns")

    wang = context(browser).new_page()
    login(wang, stack, WANG)
    # No one but the head names handlers: 王网格员's own page offers no such form.
    wang.goto(f"{stack.desk}/cases/{case_no}")
    expect(wang.locator("#assign-form")).to_have_count(0)
    _mine(wang, stack, tag, case_no)
    shot(wang, "people-2-handler-mine")
    wang.goto(f"{stack.desk}/team")
    wang.select_option(f"#backup-{WANG} select", LI)
    wang.click(f"#set-backup-{WANG}")
    expect(wang.locator("#team-done")).to_contain_text("李干事")
    wang.click(f"#away-{WANG}")
    expect(wang.locator("#team-done")).to_contain_text("由AB岗代办")
    expect(wang.locator(f'tr[data-user="{WANG}"]')).to_contain_text("外出")
    shot(wang, "people-3-handler-away")

    li = context(browser).new_page()
    login(li, stack, LI)
    _mine(li, stack, tag, case_no)
    row = li.locator(f'tr[data-case="{case_no}"]')
    expect(row.locator(".tag.who")).to_have_text("代 王网格员")
    shot(li, "people-4-backup-mine")
    row.locator("a.case-no").click()
    expect(li.locator("#stand-in")).to_contain_text("李干事")
    li.click("#act-accept button")
    expect(li.locator("#case-state")).to_have_text("已签收", timeout=20_000)
    timeline = li.locator("#timeline")
    expect(timeline.locator('li[data-kind="covered"]')).to_contain_text("由AB岗李干事代办")
    expect(timeline.locator('li[data-kind="accepted"]')).to_contain_text("李干事")
    shot(li, "people-5-backup-accepted")

    # Back in, 王网格员 holds the case again and 李干事's 我的 no longer does.
    _back_in(wang, stack)
    li.goto(f"{stack.desk}/queue?tab=mine&q={tag}")
    expect(li.locator(f'tr[data-case="{case_no}"]')).to_have_count(0)
    _mine(wang, stack, tag, case_no)

    # The head changes the handler: the record keeps both assignments.
    head.goto(f"{stack.desk}/cases/{case_no}")
    head.select_option("#pick-assignee", LI)
    head.click("#assign")
    expect(head.locator("#assignee")).to_have_text("李干事")
    assigned = head.locator('#timeline li[data-kind="assigned"]')
    expect(assigned).to_have_count(2)
    expect(assigned.nth(1)).to_contain_text("原承办人：王网格员")
    shot(head, "people-6-head-reassigns")
    for page in (head, wang, li):
        page.context.close()


def test_a_major_case_gets_a_leader_whose_plan_the_map_follows(
    browser: Browser, stack: StackAddresses
) -> None:
    tag = title_tag()
    case_no = post_case(
        stack,
        title=f"柳岸花园数百户停水 {tag}",
        content="柳岸花园小区数百户居民家中停水三天，居民聚集在物业门口，无人答复。",
    )
    wait_on_board(stack, "zjj", case_no, "dispatched")

    duban = context(browser).new_page()
    login(duban, stack, "duban")
    duban.goto(f"{stack.desk}/cases/{case_no}")
    expect(duban.locator("#leader")).to_have_text("未指定")
    duban.select_option("#pick-leader", "baoan")
    duban.click("#name-leader")
    expect(duban.locator("#leader")).to_have_text("陈副区长")
    expect(duban.locator("#plan-state")).to_have_text("待提交")
    expect(duban.locator("#plan-due")).to_have_text(re.compile(r"\d"))
    shot(duban, "people-7-leader-named")
    duban.goto(f"{stack.desk}/map")
    line = duban.locator(f'#majors tr[data-case="{case_no}"]')
    expect(line).to_contain_text("陈副区长")
    expect(line.locator('td[data-label="方案"]')).to_have_text("待提交")

    leader = context(browser).new_page()
    login(leader, stack, "baoan")
    leader.goto(f"{stack.desk}/cases/{case_no}")
    leader.fill("#plan-input", "区住建局牵头，供水公司配合，今日抢修管网，明日起每日通报进度。")
    leader.click("#submit-plan")
    expect(leader.locator("#plan-state")).to_have_text("已提交")
    expect(leader.locator("#plan-text")).to_contain_text("区住建局牵头")
    expect(leader.locator('#timeline li[data-kind="plan_submitted"]')).to_contain_text("陈副区长")
    shot(leader, "people-8-plan-submitted")

    duban.goto(f"{stack.desk}/map")
    line = duban.locator(f'#majors tr[data-case="{case_no}"]')
    expect(line.locator('td[data-label="方案"]')).to_have_text("已提交")
    shot(duban, "people-9-map-majors")
    # Only the leader submits: the supervisor's page has no plan form.
    duban.goto(f"{stack.desk}/cases/{case_no}")
    expect(duban.locator("#plan-form")).to_have_count(0)
    for page in (duban, leader):
        page.context.close()
