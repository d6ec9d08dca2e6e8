"""Authentication: login, logout, passwords, sessions, users and their roles."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from eoffice.auth import views  # noqa: E402,F401
