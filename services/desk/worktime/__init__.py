"""Remaining working time of a case's deadline, counted on sla's working-time calendar."""

from .model import WorkTime, deadline_of
from .source import WorkTimeSource

__all__ = ["WorkTime", "WorkTimeSource", "deadline_of"]
