"""record documents: when she was told of each (new-document notices coalesce per day)

Revision ID: 7c3f9e1a2b64
Revises: d15c7dace24d
Create Date: 2026-12-03 14:40:00.000000

The documents stored before this were announced by a notice keyed by the document: those
with such a notice count as announced when they were created, so the release job does not
tell her of them again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3f9e1a2b64'
down_revision = 'd15c7dace24d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('record_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE record_documents SET announced_at = created_at WHERE EXISTS ("
        " SELECT 1 FROM notifications WHERE notifications.dedupe_key LIKE"
        " 'record-document:' || CAST(record_documents.id AS VARCHAR) || ':new:%')")


def downgrade():
    with op.batch_alter_table('record_documents', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
