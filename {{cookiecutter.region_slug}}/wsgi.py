"""WSGI entry point: `gunicorn wsgi:app`; `flask` finds it by itself."""

import sys

from dotenv import load_dotenv

load_dotenv()

from eoffice import create_app  # noqa: E402
from eoffice.config import ConfigError  # noqa: E402

try:
    app = create_app()
except ConfigError as error:  # a wrong value in region.toml or .env: one clear line
    sys.exit(f"Konfigurasi salah: {error}")
