"""wound surveillance: classifications, case notes and calls, the flagged column

Revision ID: d15c7dace24d
Revises: 5b1e7c2d9a40
Create Date: 2026-12-02 20:27:53.656393

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd15c7dace24d'
down_revision = '5b1e7c2d9a40'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('wound_case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('note', 'call', name='notekind', native_enum=False, length=10), nullable=False),
    sa.Column('topic', sa.String(length=30), nullable=True),
    sa.Column('outcome', sa.Enum('reached', 'no_answer', 'wrong_number', 'answered_by_phone', name='calloutcome', native_enum=False, length=20), nullable=True),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('written_by', sa.String(length=120), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['follow_up_id'], ['wound_follow_ups.id'], name=op.f('fk_wound_case_notes_follow_up_id_wound_follow_ups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wound_case_notes'))
    )
    with op.batch_alter_table('wound_case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wound_case_notes_follow_up_id'), ['follow_up_id'], unique=False)

    op.create_table('wound_classifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('follow_up_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('none', 'superficial', 'deep', 'organ_space', name='ssilevel', native_enum=False, length=15), nullable=False),
    sa.Column('organ_site', sa.String(length=10), nullable=True),
    sa.Column('onset_on', sa.Date(), nullable=True),
    sa.Column('criterion', sa.String(length=40), nullable=True),
    sa.Column('detected', sa.Enum('in_hospital', 'readmission', 'after_discharge', name='detection', native_enum=False, length=20), nullable=True),
    sa.Column('microorganism', sa.String(length=200), nullable=True),
    sa.Column('readmitted', sa.Boolean(), nullable=False),
    sa.Column('reoperated', sa.Boolean(), nullable=False),
    sa.Column('died', sa.Boolean(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('proposed_level', sa.Enum('none', 'superficial', 'deep', 'organ_space', name='ssilevel', native_enum=False, length=15), nullable=True),
    sa.Column('proposed_criterion', sa.String(length=40), nullable=True),
    sa.Column('override_reason', sa.String(length=1000), nullable=True),
    sa.Column('classified_by', sa.String(length=120), nullable=False),
    sa.Column('classified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['follow_up_id'], ['wound_follow_ups.id'], name=op.f('fk_wound_classifications_follow_up_id_wound_follow_ups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wound_classifications')),
    sa.UniqueConstraint('follow_up_id', name=op.f('uq_wound_classifications_follow_up_id'))
    )
    with op.batch_alter_table('wound_follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.Boolean(), server_default=sa.false(), nullable=False))

    


def downgrade():
    
    with op.batch_alter_table('wound_follow_ups', schema=None) as batch_op:
        batch_op.drop_column('flagged')

    op.drop_table('wound_classifications')
    with op.batch_alter_table('wound_case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wound_case_notes_follow_up_id'))

    op.drop_table('wound_case_notes')
    
