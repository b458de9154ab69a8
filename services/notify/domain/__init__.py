"""Who is told what about a case event, and in which words. No I/O here."""

from services.notify.domain.plan import Notice, Templates, plan

__all__ = ["Notice", "Templates", "plan"]
