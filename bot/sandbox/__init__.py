"""The sandbox (`python -m bot sandbox`, `make sandbox`): the real bot against the built-in Bot API
emulator, on its own SQLite file with the demo district and a few people, and a web chat in the
browser that acts as those people. Never imported by the normal run; never calls Telegram."""
