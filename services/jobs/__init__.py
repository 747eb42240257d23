"""Due work: periodic jobs that beat triggers and operators run on demand."""

from services.jobs.registry import DueJob, due_job, registered_jobs
from services.jobs.service import JobOutcome, run_due

__all__ = ["DueJob", "JobOutcome", "due_job", "registered_jobs", "run_due"]
