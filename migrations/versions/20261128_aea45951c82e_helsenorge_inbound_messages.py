"""helsenorge inbound messages

Revision ID: aea45951c82e
Revises: b5ca7ccce492
Create Date: 2026-11-28 22:28:30.453423

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aea45951c82e'
down_revision = 'b5ca7ccce492'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('helsenorge_inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('correlation_id', sa.String(length=100), nullable=False),
    sa.Column('message_id', sa.String(length=100), nullable=False),
    sa.Column('message_function', sa.String(length=100), nullable=False),
    sa.Column('from_her_id', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helsenorge_inbound_messages')),
    sa.UniqueConstraint('correlation_id', name=op.f('uq_helsenorge_inbound_messages_correlation_id'))
    )


def downgrade():
    op.drop_table('helsenorge_inbound_messages')
