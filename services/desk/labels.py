"""The Chinese names people read for the platform's codes: states, tiers, difficulty,
lights, channels. One place, shared by the pages, the record's story and the exports."""

STATES = {
    "dispatched": "待签收",
    "accepted": "已签收",
    "in_progress": "办理中",
    "resolved": "已办结待回访",
    "reopened": "重办",
    "bounced": "已退单",
    "closed": "已销号",
    "manual": "待人工派单",
}
TIERS = {"village": "村/社区", "township": "乡镇/街道", "district": "区级", "supervision": "督办"}
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
