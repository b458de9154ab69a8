"""SLA rules: policy, working-time calendar, deadlines, lights and escalation."""

from .calendar import WorkingCalendar, load_holidays
from .deadlines import Deadlines, Light, compute_deadlines, light_at, next_tier, yellow_at
from .policy import (
    DEFAULT_POLICY_PATH,
    DIFFICULTIES,
    POLICY_ENV_VAR,
    BouncePolicy,
    CalendarPolicy,
    CallbackPolicy,
    DifficultyPolicy,
    Duration,
    ExtensionPolicy,
    PolicyError,
    SlaPolicy,
    Tier,
    UrgentPolicy,
    load_policy,
    parse_policy,
)

__all__ = [
    "DEFAULT_POLICY_PATH",
    "DIFFICULTIES",
    "POLICY_ENV_VAR",
    "BouncePolicy",
    "CalendarPolicy",
    "CallbackPolicy",
    "Deadlines",
    "DifficultyPolicy",
    "Duration",
    "ExtensionPolicy",
    "Light",
    "PolicyError",
    "SlaPolicy",
    "Tier",
    "UrgentPolicy",
    "WorkingCalendar",
    "compute_deadlines",
    "light_at",
    "load_holidays",
    "load_policy",
    "next_tier",
    "parse_policy",
    "yellow_at",
]
