"""Due work: periodic jobs that beat triggers and operators run on demand."""

from services.domain import Domain
from services.jobs.registry import DueJob, due_job, registered_jobs
from services.jobs.service import JobOutcome, run_due

DOMAIN = Domain("jobs", models="services.jobs.models", registers=("services.jobs.tasks",))

__all__ = ["DueJob", "JobOutcome", "due_job", "registered_jobs", "run_due"]
