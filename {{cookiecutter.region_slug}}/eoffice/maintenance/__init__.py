"""Keeping a region healthy over time: ``flask eoffice doctor``, ``backup`` and ``restore``.

- ``integrity.py``: the record of the core's files (``.eoffice-core.json``), written at
  generation and at every update, and the comparison that finds local edits (drift).
- ``schema.py``: where migrations live (the core's chain and the region's own branch).
- ``services.py``: the rules of the doctor's report, of backups and of restores.
- ``commands.py``: the ``flask eoffice`` commands, registered by the core plugin.
"""
