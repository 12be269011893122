"""Hooks: the specification plugins implement (``hookspecs``), the manager that loads plugins and runs their hooks
with isolation (``manager``), the checks of their answers (``results``) and the entry-point index (``index``)."""
