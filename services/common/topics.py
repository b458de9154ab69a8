"""The topic taxonomy dispatch classifies into and people correct in the queue UI."""

from __future__ import annotations

# The 15 level-1 names of the provincial topic taxonomy, spelled as the taxonomy spells them.
TOPICS: tuple[str, ...] = (
    "城乡建设",
    "农村农业",
    "政法",
    "教育文体",
    "劳动和社会保障",
    "民政",
    "党务政务",
    "经济管理",
    "卫生计生",
    "商贸旅游",
    "环境保护",
    "交通运输",
    "纪检监察",
    "国土资源",
    "科技与信息产业",
)
