"""Migration scripts (Alembic revisions), one per schema change."""
