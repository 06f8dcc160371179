"""Running the bot for years: logs, health and metrics, backups (see deploy/README.md).

Nothing here imports aiogram at module level except `observe` (the aiogram middlewares);
prometheus_client is imported only when HEALTH_PORT is set.
"""
