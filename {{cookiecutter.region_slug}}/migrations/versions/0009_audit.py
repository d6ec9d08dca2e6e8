"""audit log: every shown field hashed, a seal over the old events, append-only guards

Revision ID: 0009_audit
Revises: 0007_unread_index
Create Date: 2026-12-05 09:00:00

- ``audit_events.hash_version``: rows written before this revision are version 1
  (their hash leaves out ``actor_name``) and keep verifying as they are; new rows
  are version 2, whose hash covers every field a timeline shows (eoffice/audit.py).
- One **seal** event (``audit.sealed``, version 2) is appended when the log holds
  events: its data is the number of version-1 events and the SHA-256 of their ids
  and actor names, so a name of an old event changed from now on is found. The
  hash is computed here with the frozen version-2 payload (a test checks that the
  application verifies it).
- ``audit_events.actor_id`` loses ``ON DELETE SET NULL``: the id is hashed, and
  the guards would refuse the update anyway. Users are deactivated, never deleted.
- Guards (triggers) refuse UPDATE and DELETE on ``audit_events`` and any step
  back of ``audit_head``; the same statements as eoffice/maintenance/chain.py
  (a test compares them).

Downgrade removes the guards and the column; the events written since (the seal
included) do not verify under the older code's version-1 payload.
"""
import datetime
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_audit'
down_revision = '0008_sessions'
branch_labels = None
depends_on = None

SQLITE_GUARDS = {
    "audit_events_no_update": (
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: an event cannot be "
        "changed'); END"),
    "audit_events_no_delete": (
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: an event cannot be "
        "deleted'); END"),
    "audit_head_forward": (
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
        "WHEN NEW.id <> OLD.id OR NEW.count < OLD.count "
        "OR (NEW.count = OLD.count AND NEW.hash <> OLD.hash) "
        "BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END"),
    "audit_head_no_delete": (
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        "BEGIN SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END"),
}
POSTGRESQL_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP; "
    "END $$",
    "CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP <> 'UPDATE' THEN "
    "RAISE EXCEPTION 'audit_head cannot be deleted: % refused', TG_OP; END IF; "
    "IF NEW.id <> OLD.id OR NEW.count < OLD.count "
    "OR (NEW.count = OLD.count AND NEW.hash <> OLD.hash) THEN "
    "RAISE EXCEPTION 'audit_head only moves forward'; END IF; "
    "RETURN NEW; END $$",
)
POSTGRESQL_GUARDS = {
    "audit_events_append_only": (
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"),
    "audit_head_forward": (
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()"),
    "audit_head_no_truncate": (
        "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"),
}

events = sa.table(
    'audit_events', sa.column('id', sa.Integer), sa.column('occurred_at', sa.DateTime),
    sa.column('actor_id', sa.Integer), sa.column('actor_name', sa.String),
    sa.column('action', sa.String), sa.column('object_type', sa.String),
    sa.column('object_id', sa.String), sa.column('data', sa.JSON),
    sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
    sa.column('hash_version', sa.Integer))
head = sa.table('audit_head', sa.column('id', sa.Integer), sa.column('hash', sa.String),
                sa.column('count', sa.Integer))


def seal(bind):
    """Append the seal event over every version-1 event's id and actor name."""
    digest, count = hashlib.sha256(), 0
    rows = bind.execute(sa.select(events.c.id, events.c.actor_name).order_by(events.c.id)
                        .execution_options(yield_per=5000))
    for row in rows:
        digest.update((json.dumps([row.id, row.actor_name], ensure_ascii=False) + "\n")
                      .encode())
        count += 1
    current = bind.execute(sa.select(head.c.hash, head.c.count).where(head.c.id == 1)).first()
    if not count or current is None:
        return  # nothing to seal (a log without its head is reported by audit verify)
    occurred = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    data = {"v1_events": count, "v1_actor_names_sha256": digest.hexdigest()}
    payload = {"occurred_at": occurred.isoformat(timespec="microseconds"), "actor_id": None,
               "action": "audit.sealed", "object_type": "system", "object_id": None,
               "prev_hash": current.hash, "data": data, "v": 2, "actor_name": None}
    new_hash = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False,
                                         default=str).encode()).hexdigest()
    bind.execute(events.insert().values(
        occurred_at=occurred, actor_id=None, actor_name=None, action="audit.sealed",
        object_type="system", object_id=None, data=data, prev_hash=current.hash,
        hash=new_hash, hash_version=2))
    bind.execute(head.update().where(head.c.id == 1)
                 .values(hash=new_hash, count=current.count + 1))


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash_version', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.drop_constraint('fk_audit_events_actor_id_users', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_actor_id_users'), 'users',
                                    ['actor_id'], ['id'])
    bind = op.get_bind()
    seal(bind)
    if bind.dialect.name == "postgresql":
        for statement in POSTGRESQL_FUNCTIONS:
            op.execute(statement)
        for statement in POSTGRESQL_GUARDS.values():
            op.execute(statement)
    else:
        for statement in SQLITE_GUARDS.values():
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward()")
    else:
        for name in SQLITE_GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_audit_events_actor_id_users', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_actor_id_users'), 'users',
                                    ['actor_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('hash_version')
