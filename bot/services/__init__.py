"""Domain services: pure of aiogram, each takes an AsyncSession."""


class InvalidInput(ValueError):
    """Input a person gave that cannot be accepted; the message is ready to show them."""
