"""The Chinese names people read for the platform's codes: states, tiers, difficulty, lights,
channels, deadlines, actions, dispatch decisions, notices, roles and time units.

One vocabulary for every page, record line, message and note, in every service. Pure data:
no service imports another, so the desk, sla, notify and intake all read it from here (the
desk's services/desk/labels.py adds the names of units and people).
"""

from __future__ import annotations

# Roles by their codes (services/common/access/roles.py names the codes).
ROLES = {
    "operator": "话务员",
    "dispatcher": "派单员",
    "handler": "办理人",
    "supervisor": "督办",
    "admin": "管理员",
    "auditor": "审计员",
    "grid_worker": "网格员",
}
STATES = {
    "received": "已受理",
    "dispatched": "待签收",
    "accepted": "已签收",
    "in_progress": "办理中",
    "resolved": "已办结待回访",
    "reopened": "重办",
    "bounced": "已退单",
    "closed": "已销号",
    "manual": "待人工派单",
    "merged": "已并入原工单",
}
TIERS = {
    "grid": "网格",
    "village": "村/社区",
    "township": "乡镇/街道",
    "district": "区级",
    "supervision": "督办",
}
DIFFICULTY = {"simple": "立即办", "general": "协调办", "complex": "联动办", "legacy": "历史遗留"}
LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
CHANNELS = {
    "phone": "电话",
    "web": "网站",
    "wechat": "微信",
    "app": "手机应用",
    "grid_patrol": "网格巡查",
    "home_visit": "入户走访",
    "open311": "开放接口",
}
# Deadlines as a line names them ("签收超时") and as a message names them ("签收时限").
DEADLINES = {"accept": "签收", "resolve": "办结", "progress_report": "进展报告", "callback": "回访"}
DEADLINE_LIMITS = {k: f"{v}时限" for k, v in DEADLINES.items()}
ACTIONS = {
    "dispatched": "派单",
    "accepted": "签收",
    "progressed": "反馈进展",
    "extension_requested": "申请延期",
    "extension_decided": "延期审批",
    "bounced": "退单",
    "redispatched": "重新派单",
    "resolved": "办结",
    "callback_recorded": "回访",
    "callback_overdue": "回访超期",
    "reopened": "重办",
    "reopen_limit": "重办超限，升级",
    "arbitration_opened": "提请仲裁",
    "linked": "关联相似诉求",
    "repeat_called": "重复来电",
    "escalated": "超时升级",
    "supervised": "转督办",
    "breached": "超时",
    "light_changed": "亮灯",
    "progress_report_missed": "未按期报告进展",
    "closed": "销号",
    # Files and photos.
    "attached": "上传附件",
    # 合并: on the follower (it follows the lead) and on the lead (it takes the follower).
    "merged": "并入主办工单",
    "merge_taken": "合并工单",
    # 联动办: a co-unit's part of a joint case, and the lead's override.
    "part_accepted": "签收协办任务",
    "part_progressed": "反馈协办进展",
    "part_reported": "反馈协办结果",
    "parts_overridden": "强制办结（不再等待协办单位）",
    "part_deadlines_set": "协办时限",
    "part_light_changed": "协办亮灯",
    "part_breached": "协办超时",
    "part_escalated": "协办超时升级",
    "part_supervised": "协办转督办",
    # Moves after acceptance (services/sla/domain/moves.py).
    "transferred": "改派",
    "takeover_requested": "申请上报",
    "takeover_decided": "上报决定",
    # The desk's own entries about people (services/desk/people).
    "assigned": "指定承办人",
    "covered": "AB岗代办",
    "returned": "承办人返岗",
    "leader_named": "指定包案领导",
    "plan_submitted": "提交处置方案",
}
DECISIONS = {
    "auto": "自动派单",
    "dispatched": "派单",
    "manual_queue": "转人工派单",
    "bounce_redispatch": "退单后重新派单",
    "arbitrated": "仲裁指定承办单位",
    "human_dispatch": "人工派单",
}
CLOSE_REASONS = {
    "callback_satisfied": "回访满意",
    "supervisor": "督办销号",
    "merged": "合并办理",
    "rejected": "不予受理",
    "answered_directly": "直接答复，即时办结",
    "praise_forwarded": "表扬已转达，不计时限",
    "closed_on_spot": "就地办结",
}
NOTICE_CHANNELS = {"sms": "短信", "email": "邮件", "webhook": "接口推送", "in_app": "站内消息"}
NOTICE_STATUS = {
    "sent": "已发送",
    "delivered": "已送达",
    "dead_letter": "发送失败",
    "failed": "发送失败",
    # The citizen's number had its hourly SMS already (notify's per-phone cap).
    "suppressed": "未发送：超出每个号码每小时短信上限",
    # The case closed before the notice could go out, and it no longer needs it.
    "withdrawn": "未发送：工单已销号，无需再发",
}
# Inboxes that are no unit of the directory: the supervision centre and the dispatch desk.
INBOXES = {"supervision": "督办中心", "dispatch": "派单台"}
# Units of time in the SLA policy (an extension's amount is counted in one of them).
TIME_UNITS = {
    "seconds": "秒",
    "minutes": "分钟",
    "hours": "小时",
    "days": "天",
    "working_hours": "个工作小时",
    "working_days": "个工作日",
}


def amount(value: object, unit: str) -> str:
    """An amount of time as people say it: 3 个工作日, 10 秒."""
    return f"{value} {TIME_UNITS.get(unit, '')}".strip()


def person(name: str, unit: str = "") -> str:
    """Who did something, as people name them: 王网格员 · 柳岸社区居民委员会."""
    return f"{name} · {unit}" if name and unit and unit not in name else name


# Operations alerts (deploy/prometheus/rules/alerts.rules.yml) as the supervision centre's
# in-app notices name them; an alert not listed is shown by its own name.
ALERT_NAMES = {
    "MinhuServiceDown": "服务无响应",
    "MinhuConsumerLag": "事件处理积压",
    "MinhuOutboxBacklog": "待发布事件积压",
    "MinhuDeadLetters": "事件处理失败（死信）",
    "MinhuBreachRateSpike": "超时工单骤增",
    "MinhuNotificationFailures": "通知发送失败率过高",
    "MinhuHttpErrors": "接口错误率过高",
    "MinhuAlertPathDrill": "告警通路演练",
}
ALERT_SEVERITY = {"page": "紧急", "ticket": "一般", "drill": "演练"}
ALERT_STATUS = {"firing": "系统告警", "resolved": "告警解除"}
