"""notifications: settings, decisions, mutes, SMS receipts and conversations, console messages

Revision ID: c61b8650b0bc
Revises: 3c9d0e7a41b2
Create Date: 2026-12-02 01:48:39.662596

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c61b8650b0bc'
down_revision = '3c9d0e7a41b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_opt_outs',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_sms_opt_outs'))
    )
    op.create_table('console_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('to', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], name=op.f('fk_console_messages_outbox_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_messages')),
    sa.UniqueConstraint('outbox_message_id', name=op.f('uq_console_messages_outbox_message_id'))
    )
    op.create_table('notification_mutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('set_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notification_mutes_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_mutes')),
    sa.UniqueConstraint('person_id', 'event', name=op.f('uq_notification_mutes_person_id'))
    )
    with op.batch_alter_table('notification_mutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_mutes_person_id'), ['person_id'], unique=False)

    op.create_table('notification_settings',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channels', sa.Enum('sms', 'email', 'both', name='channelchoice', native_enum=False), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('non_essential', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notification_settings_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_notification_settings'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.Enum('queued', 'deferred', 'muted', 'opted_out', 'capped', 'paper', name='outcome', native_enum=False, length=10), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notifications_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], name=op.f('fk_notifications_outbox_message_id_outbox_messages')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notifications_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key')),
    sa.UniqueConstraint('outbox_message_id', name=op.f('uq_notifications_outbox_message_id'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_person_created', ['person_id', 'created_at'], unique=False)

    op.create_table('sms_conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_sms_conversations_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_conversations'))
    )
    with op.batch_alter_table('sms_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_sms_conversations_phone_open', ['phone', 'closed_at'], unique=False)

    op.create_table('sms_statuses',
    sa.Column('outbox_message_id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error_code', sa.String(length=10), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], name=op.f('fk_sms_statuses_outbox_message_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outbox_message_id', name=op.f('pk_sms_statuses')),
    sa.UniqueConstraint('sid', name=op.f('uq_sms_statuses_sid'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_is_sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('name_is_sensitive')

    op.drop_table('sms_statuses')
    with op.batch_alter_table('sms_conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_conversations_phone_open')

    op.drop_table('sms_conversations')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_person_created')

    op.drop_table('notifications')
    op.drop_table('notification_settings')
    with op.batch_alter_table('notification_mutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_mutes_person_id'))

    op.drop_table('notification_mutes')
    op.drop_table('console_messages')
    op.drop_table('sms_opt_outs')
