"""The roles people hold, and which of them see a caller's number in full."""

from __future__ import annotations

from services.common.labels import ROLES as ROLES_NAMED

OPERATOR = "operator"  # 话务员: takes calls at the 12345 centre, files cases
DISPATCHER = "dispatcher"  # 派单员: dispatches by hand, makes the callback survey
HANDLER = "handler"  # 办理人: works the cases of one unit
SUPERVISOR = "supervisor"  # 督办: oversees a township's or district's cases
ADMIN = "admin"  # 管理员: accounts and settings
AUDITOR = "auditor"  # 审计员: reads the access audit, nothing else
GRID_WORKER = "grid_worker"  # 网格员: patrols one grid, works its cases (unit = grid code)

ROLES = (OPERATOR, DISPATCHER, HANDLER, SUPERVISOR, ADMIN, AUDITOR, GRID_WORKER)
ROLE_LABELS = ROLES_NAMED
# The centre calls citizens back (operators confirm a call, dispatchers make the survey):
# only these roles may ask for a caller's number in full, and every such read is audited.
PHONE_ROLES = frozenset({OPERATOR, DISPATCHER, ADMIN})
