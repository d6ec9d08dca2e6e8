pytest_plugins = ["eoffice.testing.pytest_plugin"]
