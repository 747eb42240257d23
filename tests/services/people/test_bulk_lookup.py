"""A Bundle's lookup of many people is planned for its keys; ordinary requests keep the
cached plans (services.db.plan_each_execution)."""

import pytest
import sqlalchemy as sa

from services.people.service import people_by_hash


@pytest.fixture
def postgres(app, migrated):
    """The app's own session with real commits (these tests only read)."""
    with app.app_context():
        if migrated.session.get_bind().dialect.name != "postgresql":
            pytest.skip("plan caching is PostgreSQL's (CI runs this on PostgreSQL)")
        yield migrated
        migrated.session.rollback()


def _plan_cache_mode(db) -> str:
    return db.session.execute(sa.text("SHOW plan_cache_mode")).scalar_one()


def test_a_lookup_of_many_is_planned_each_time_for_its_transaction_only(postgres):
    db = postgres
    assert _plan_cache_mode(db) == "auto"
    people_by_hash(["a" * 64, "b" * 64])
    assert _plan_cache_mode(db) == "force_custom_plan"
    db.session.commit()
    assert _plan_cache_mode(db) == "auto"  # SET LOCAL: the next transaction has the default


def test_a_lookup_of_one_keeps_the_cached_plans(postgres):
    db = postgres
    people_by_hash(["a" * 64, "a" * 64])  # one key, twice
    assert _plan_cache_mode(db) == "auto"
