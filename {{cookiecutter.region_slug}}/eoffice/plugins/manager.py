"""Builds the plugin manager: core features, installed packages, then local plugins."""

from __future__ import annotations

import importlib
import sys

import pluggy
from flask import Flask

from eoffice.config import REGION_ROOT
from eoffice.plugins import hookspecs

PROJECT_NAME = "eoffice"


class PluginError(RuntimeError):
    """A local plugin named in region.toml could not be loaded."""


def create_plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


def load_local_plugin(manager: pluggy.PluginManager, name: str) -> None:
    if not name.isidentifier():
        raise PluginError(f"plugin name {name!r} in region.toml is not a valid folder name")
    if str(REGION_ROOT) not in sys.path:
        sys.path.insert(0, str(REGION_ROOT))
    module_name = f"local.plugins.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise PluginError(
                f"plugin {name!r} is enabled in region.toml but local/plugins/{name}/ "
                "does not exist") from exc
        raise
    if manager.get_plugin(module_name) is None:
        manager.register(module, name=module_name)


def init_plugins(app: Flask) -> pluggy.PluginManager:
    from eoffice.notifications import hooks as notification_hooks
    from eoffice.plugins import core

    manager = create_plugin_manager()
    manager.register(core, name="eoffice.core")
    manager.register(notification_hooks, name="eoffice.notifications")
    manager.load_setuptools_entrypoints(PROJECT_NAME)
    for name in app.config["PLUGINS_ENABLED"]:
        load_local_plugin(manager, name)
    app.extensions["eoffice_plugins"] = manager
    from eoffice import access, security

    security.init_permissions(app, manager)
    access.init_app(app, manager)
    from eoffice.search import index

    index.init_app(app, manager)
    return manager


def plugin_manager(app: Flask | None = None) -> pluggy.PluginManager:
    from flask import current_app

    return (app or current_app).extensions["eoffice_plugins"]


def loaded_plugins(app: Flask) -> list[str]:
    return sorted(name for name, _ in plugin_manager(app).list_name_plugin())
