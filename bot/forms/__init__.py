"""Form files (YAML) loaded into the database at start-up; see bot.services.forms."""

from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent
