"""Dispatch domain: classify a case and route it to a unit. Pure Python, no I/O frameworks."""

from services.common.jurisdiction.directory import Directory, DirectoryError
from services.dispatch.domain.classify import Classifier, LexiconError
from services.dispatch.domain.ladder import LadderStep, escalation_ladder
from services.dispatch.domain.model import (
    TOPICS,
    Area,
    Assignment,
    CaseText,
    Classification,
    Difficulty,
    Grid,
    Location,
    Tier,
    Unit,
)
from services.dispatch.domain.routing import (
    DepartmentRule,
    RoutingPolicy,
    RoutingPolicyError,
    explain,
    route,
    summary_of,
)

__all__ = [
    "TOPICS",
    "Area",
    "Assignment",
    "CaseText",
    "Classification",
    "Classifier",
    "DepartmentRule",
    "Difficulty",
    "Directory",
    "DirectoryError",
    "Grid",
    "LadderStep",
    "LexiconError",
    "Location",
    "RoutingPolicy",
    "RoutingPolicyError",
    "Tier",
    "Unit",
    "escalation_ladder",
    "explain",
    "route",
    "summary_of",
]
