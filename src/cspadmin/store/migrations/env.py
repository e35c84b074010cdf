"""Alembic environment: runs on the connection `Database.migrate` hands over."""

from alembic import context

from cspadmin.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through cspadmin.store.database.Database.migrate()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
