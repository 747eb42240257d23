"""Every domain's models, imported once so the metadata is complete for Alembic."""

from services.jobs.models import ScheduledJob

__all__ = ["ScheduledJob"]
