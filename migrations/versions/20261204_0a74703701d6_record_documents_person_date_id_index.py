"""record documents: her list's index ends with the id (the list's order and cursor)

Revision ID: 0a74703701d6
Revises: 7c3f9e1a2b64
Create Date: 2026-12-04 02:00:00.000000

The list pages her documents by (document_date, id) newest first; an index on (person_id,
document_date) alone leaves the id to a sort, and the cursor's row comparison outside the
index. The new index serves every query the old one did.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0a74703701d6'
down_revision = '7c3f9e1a2b64'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('record_documents', schema=None) as batch_op:
        batch_op.create_index('ix_record_documents_person_date_id',
                              ['person_id', 'document_date', 'id'], unique=False)
        batch_op.drop_index('ix_record_documents_person_date')


def downgrade():
    with op.batch_alter_table('record_documents', schema=None) as batch_op:
        batch_op.create_index('ix_record_documents_person_date',
                              ['person_id', 'document_date'], unique=False)
        batch_op.drop_index('ix_record_documents_person_date_id')
