"""Report definitions: one module per report, each registering a function with ``@register_report``.

Every module in this package is imported by :func:`workbench.report.registry.discover` (modules
whose name starts with ``_`` are skipped). See :mod:`workbench.report.registry` for the API.
"""
