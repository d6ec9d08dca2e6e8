"""The region's own code (the local 35%): plugins, template overrides, local models.

Upstream updates never touch this folder. See docs/dev/plugins.md of the template.
"""
