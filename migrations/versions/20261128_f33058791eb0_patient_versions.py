"""patient versions

Revision ID: f33058791eb0
Revises: aea45951c82e
Create Date: 2026-11-28 22:31:12.942690

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f33058791eb0'
down_revision = 'aea45951c82e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        # Existing rows start at version 1, last updated now.
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('version_id', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.create_index(batch_op.f('ix_people_updated_at'), ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_updated_at'))
        batch_op.drop_column('version_id')
        batch_op.drop_column('updated_at')

