"""Alembic environment and versions, shipped inside the wheel so an installed bot can migrate.

`bot.migrate` finds this folder through the package, not through the working directory.
"""
