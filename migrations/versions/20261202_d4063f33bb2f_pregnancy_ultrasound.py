"""pregnancy ultrasound: due dates, schedules, slots, appointments, early-scan consents,
change requests, pregnancy reports; people.interpreter_language

Revision ID: d4063f33bb2f
Revises: c61b8650b0bc
Create Date: 2026-12-02 02:50:30.721374

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4063f33bb2f'
down_revision = 'c61b8650b0bc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('due_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('identifier_system', sa.String(length=200), nullable=True),
    sa.Column('identifier_value', sa.String(length=100), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('final', 'amended', 'entered-in-error', name='duedatestatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_due_dates_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_due_dates_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_dates')),
    sa.UniqueConstraint('identifier_system', 'identifier_value', name=op.f('uq_due_dates_identifier_system'))
    )
    with op.batch_alter_table('due_dates', schema=None) as batch_op:
        batch_op.create_index('ix_due_dates_person_effective', ['person_id', 'effective_at'], unique=False)

    op.create_table('early_scan_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('consented', 'refused', name='consentdecision', native_enum=False, length=10), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('information_version', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_early_scan_consents_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_early_scan_consents'))
    )
    with op.batch_alter_table('early_scan_consents', schema=None) as batch_op:
        batch_op.create_index('ix_early_scan_consents_person_decided', ['person_id', 'decided_at'], unique=False)

    op.create_table('pregnancy_reports',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('twins', sa.Boolean(), nullable=True),
    sa.Column('special_needs', sa.String(length=500), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_pregnancy_reports_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_pregnancy_reports'))
    )
    op.create_table('ultrasound_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.Enum('early', 'routine', name='service', native_enum=False, length=10), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('location_name', sa.String(length=200), nullable=True),
    sa.Column('location_address_line', sa.String(length=200), nullable=True),
    sa.Column('location_postal_code', sa.String(length=10), nullable=True),
    sa.Column('location_city', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_ultrasound_schedules_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ultrasound_schedules')),
    sa.UniqueConstraint('identifier', name=op.f('uq_ultrasound_schedules_identifier'))
    )
    with op.batch_alter_table('ultrasound_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ultrasound_schedules_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('ultrasound_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('free', 'busy', 'busy-unavailable', name='slotstatus', native_enum=False, length=20), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['ultrasound_schedules.id'], name=op.f('fk_ultrasound_slots_schedule_id_ultrasound_schedules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ultrasound_slots')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_ultrasound_slots_appointment_id')),
    sa.UniqueConstraint('identifier', name=op.f('uq_ultrasound_slots_identifier'))
    )
    with op.batch_alter_table('ultrasound_slots', schema=None) as batch_op:
        batch_op.create_index('ix_ultrasound_slots_schedule_start', ['schedule_id', 'start'], unique=False)

    op.create_table('ultrasound_appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier_system', sa.String(length=200), nullable=False),
    sa.Column('identifier_value', sa.String(length=100), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.Enum('early', 'routine', name='service', native_enum=False, length=10), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('booked', 'cancelled', 'fulfilled', 'noshow', 'entered-in-error', name='appointmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('cancelled_by', sa.Enum('citizen', 'hospital', name='cancelledby', native_enum=False, length=10), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_for_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('interpreter_language', sa.String(length=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('location_name', sa.String(length=200), nullable=True),
    sa.Column('location_address_line', sa.String(length=200), nullable=True),
    sa.Column('location_postal_code', sa.String(length=10), nullable=True),
    sa.Column('location_city', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_ultrasound_appointments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_ultrasound_appointments_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['ultrasound_slots.id'], name=op.f('fk_ultrasound_appointments_slot_id_ultrasound_slots'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ultrasound_appointments')),
    sa.UniqueConstraint('identifier_system', 'identifier_value', name=op.f('uq_ultrasound_appointments_identifier_system'))
    )
    with op.batch_alter_table('ultrasound_appointments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ultrasound_appointments_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_ultrasound_appointments_person_start', ['person_id', 'start'], unique=False)
        batch_op.create_index('ix_ultrasound_appointments_status_start', ['status', 'start'], unique=False)
    # Slots and appointments point at each other: the slot's key to its appointment comes
    # once both tables exist.
    with op.batch_alter_table('ultrasound_slots', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_ultrasound_slots_appointment_id_ultrasound_appointments'), 'ultrasound_appointments', ['appointment_id'], ['id'], ondelete='SET NULL')

    op.create_table('ultrasound_change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('no_fitting_slot', 'time_does_not_suit', 'illness', 'travel', 'other', 'sms_call_me', name='changereason', native_enum=False, length=30), nullable=False),
    sa.Column('reason_text', sa.String(length=200), nullable=True),
    sa.Column('wants_call', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('status', sa.Enum('open', 'handled', name='changerequeststatus', native_enum=False, length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['appointment_id'], ['ultrasound_appointments.id'], name=op.f('fk_ultrasound_change_requests_appointment_id_ultrasound_appointments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_ultrasound_change_requests_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ultrasound_change_requests'))
    )
    with op.batch_alter_table('ultrasound_change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ultrasound_change_requests_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index('ix_ultrasound_change_requests_status_created', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interpreter_language', sa.String(length=3), nullable=True))



def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('interpreter_language')

    with op.batch_alter_table('ultrasound_change_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_ultrasound_change_requests_status_created')
        batch_op.drop_index(batch_op.f('ix_ultrasound_change_requests_appointment_id'))

    op.drop_table('ultrasound_change_requests')
    with op.batch_alter_table('ultrasound_slots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ultrasound_slots_appointment_id_ultrasound_appointments'), type_='foreignkey')

    with op.batch_alter_table('ultrasound_appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_ultrasound_appointments_status_start')
        batch_op.drop_index('ix_ultrasound_appointments_person_start')
        batch_op.drop_index(batch_op.f('ix_ultrasound_appointments_organisation_id'))

    op.drop_table('ultrasound_appointments')
    with op.batch_alter_table('ultrasound_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_ultrasound_slots_schedule_start')

    op.drop_table('ultrasound_slots')
    with op.batch_alter_table('ultrasound_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ultrasound_schedules_organisation_id'))

    op.drop_table('ultrasound_schedules')
    op.drop_table('pregnancy_reports')
    with op.batch_alter_table('early_scan_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_early_scan_consents_person_decided')

    op.drop_table('early_scan_consents')
    with op.batch_alter_table('due_dates', schema=None) as batch_op:
        batch_op.drop_index('ix_due_dates_person_effective')

    op.drop_table('due_dates')
