"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mpp.db import Database
from mpp.models import Base


def test_migrated_schema_matches_the_models(any_db_url):
    db = Database(any_db_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"
