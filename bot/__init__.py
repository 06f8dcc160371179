"""metodbot: the Telegram bot of a municipal methodological service."""
