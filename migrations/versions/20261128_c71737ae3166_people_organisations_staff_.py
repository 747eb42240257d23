"""people organisations staff representation audit

Revision ID: c71737ae3166
Revises: 7b65e859a5db
Create Date: 2026-11-28 22:22:58.009257

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c71737ae3166'
down_revision = '7b65e859a5db'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor_id', sa.String(length=100), nullable=False),
    sa.Column('actor_organisation_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf_of_person_id', sa.Integer(), nullable=True),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('resource_type', sa.String(length=50), nullable=False),
    sa.Column('resource_id', sa.String(length=100), nullable=True),
    sa.Column('purpose', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('chain', sa.SmallInteger(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_subject_person_id'), ['subject_person_id'], unique=False)
        batch_op.create_index('ix_audit_events_chain_id', ['chain', 'id'], unique=False)

    _make_audit_append_only()

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=9), nullable=False),
    sa.Column('resh_id', sa.String(length=20), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['organisations.id'], name=op.f('fk_organisations_parent_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('org_number', name=op.f('uq_organisations_org_number')),
    sa.UniqueConstraint('resh_id', name=op.f('uq_organisations_resh_id'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('national_id_hash', sa.String(length=64), nullable=False),
    sa.Column('national_id_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('national_id_kind', sa.String(length=3), nullable=False),
    sa.Column('given_name', sa.String(length=200), nullable=False),
    sa.Column('family_name', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('address_protection', sa.Enum('6', '7', name='addressprotection', native_enum=False), nullable=True),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('national_id_hash', name=op.f('uq_people_national_id_hash'))
    )
    op.create_table('staff_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hpr_number', sa.String(length=9), nullable=True),
    sa.Column('national_id_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_members')),
    sa.UniqueConstraint('hpr_number', name=op.f('uq_staff_members_hpr_number')),
    sa.UniqueConstraint('national_id_hash', name=op.f('uq_staff_members_national_id_hash'))
    )
    op.create_table('fullmakter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('areas', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['giver_id'], ['people.id'], name=op.f('fk_fullmakter_giver_id_people')),
    sa.ForeignKeyConstraint(['recipient_id'], ['people.id'], name=op.f('fk_fullmakter_recipient_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fullmakter'))
    )
    with op.batch_alter_table('fullmakter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fullmakter_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fullmakter_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('guardian_restrictions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.Enum('appointments', 'questionnaires', 'records', name='area', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['people.id'], name=op.f('fk_guardian_restrictions_child_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_restrictions')),
    sa.UniqueConstraint('child_id', 'area', name=op.f('uq_guardian_restrictions_child_id'))
    )
    op.create_table('guardianships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('shares_address', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['people.id'], name=op.f('fk_guardianships_child_id_people')),
    sa.ForeignKeyConstraint(['guardian_id'], ['people.id'], name=op.f('fk_guardianships_guardian_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardianships')),
    sa.UniqueConstraint('guardian_id', 'child_id', name=op.f('uq_guardianships_guardian_id'))
    )
    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardianships_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_guardianships_guardian_id'), ['guardian_id'], unique=False)

    op.create_table('role_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('infection_control', 'ultrasound_clinic', 'records_officer', 'admin', name='role', native_enum=False, length=30), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_role_assignments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'], name=op.f('fk_role_assignments_staff_id_staff_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_assignments')),
    sa.UniqueConstraint('staff_id', 'organisation_id', 'role', name=op.f('uq_role_assignments_staff_id'))
    )


def _make_audit_append_only():
    """Refuse UPDATE and DELETE on the audit trail in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
            """)


def _drop_audit_append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{event}")


def downgrade():
    op.drop_table('role_assignments')
    with op.batch_alter_table('guardianships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardianships_guardian_id'))
        batch_op.drop_index(batch_op.f('ix_guardianships_child_id'))

    op.drop_table('guardianships')
    op.drop_table('guardian_restrictions')
    with op.batch_alter_table('fullmakter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fullmakter_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_fullmakter_giver_id'))

    op.drop_table('fullmakter')
    op.drop_table('staff_members')
    op.drop_table('people')
    op.drop_table('organisations')
    _drop_audit_append_only()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_chain_id')
        batch_op.drop_index(batch_op.f('ix_audit_events_subject_person_id'))

    op.drop_table('audit_events')
