"""WSGI entry point: `gunicorn wsgi:app`; `flask` finds it by itself."""

from dotenv import load_dotenv

load_dotenv()

from eoffice import create_app  # noqa: E402

app = create_app()
