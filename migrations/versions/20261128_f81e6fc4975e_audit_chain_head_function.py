"""audit chain head function

Revision ID: f81e6fc4975e
Revises: f33058791eb0
Create Date: 2026-11-28 23:16:22.647737

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f81e6fc4975e'
down_revision = 'f33058791eb0'
branch_labels = None
depends_on = None


def upgrade():
    # Lock a chain and read its newest hash in one round trip. In a VOLATILE function each
    # statement takes a fresh snapshot, so the SELECT sees whatever committed before the
    # lock was granted (one statement with both would read an older snapshot).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_chain_head(lock_key bigint, chain_no smallint)
            RETURNS varchar LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(lock_key);
                RETURN (SELECT hash FROM audit_events WHERE chain = chain_no
                        ORDER BY id DESC LIMIT 1);
            END;
            $$
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head(bigint, smallint)")
