"""Create or upgrade the Agent Server's PostgreSQL schema, once, before its workers start.

Run it in the deployment's environment (``langgraph-runtime-pg`` installed, ``DATABASE_URI``
set), then start the workers with ``LG_RUNTIME_PG_AUTO_MIGRATE=false``. It applies the
runtime's migrations (``langgraph-runtime-pg-migrate upgrade``) and creates the checkpoint and
store tables: every worker would otherwise create those itself when it starts, and on a new
database two workers starting together collide (``checkpoint_migrations_pkey``) and one
fails to start. See docs/deployment.md.
"""

import asyncio

from langgraph_runtime_pg import checkpoint, migrate, store


async def _tables() -> None:
    await checkpoint.setup_checkpointer()
    await checkpoint.teardown_checkpointer()
    await store.setup_store()
    await store.teardown_store()


def main() -> None:
    """Migrate the runtime's schema, then the checkpointer's and the store's."""
    migrate.upgrade_head()
    asyncio.run(_tables())


if __name__ == "__main__":
    main()
