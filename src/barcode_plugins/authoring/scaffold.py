"""Create a new plugin package from the template (``barcode-plugins new-plugin NAME``).

The template lives in ``barcode_plugins/authoring/templates/plugin/``: files ending ``.tmpl`` are
``string.Template`` text with ``${name}``, ``${module}``, ``${distribution}``, ``${display_name}``,
``${class_name}`` and ``${part_prefix}``; a path part ``__module__`` becomes the module name and ``gitignore``
becomes ``.gitignore``. The package it makes installs with ``pip install``, registers its entry point, and passes
its own conformance test from the start.
"""

from __future__ import annotations

import keyword
import re
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from barcode_plugins.errors import InputError
from barcode_plugins.hooks.manager import BUILTIN_PLUGINS

# Words of lowercase letters and digits joined by single underscores: a trailing or doubled underscore would give
# a distribution name that packaging refuses (``barcode-plugins-a_`` does not install).
_NAME = re.compile(r"(?=.{1,40}\Z)[a-z][a-z0-9]*(?:_[a-z0-9]+)*\Z")
_TEMPLATE_SUFFIX = ".tmpl"


class ScaffoldError(InputError):
    """The plugin package cannot be created (bad name, existing directory, unwritable location)."""


class InvalidPluginName(ScaffoldError):
    """The name cannot be an entry-point name and a module suffix (``barcode_plugins_<name>``)."""


class PluginDirectoryExists(ScaffoldError):
    """The directory the package would be created in already exists; nothing is overwritten."""


def check_plugin_name(name: str) -> str:
    """Return ``name`` if it can name a plugin; raise :class:`InvalidPluginName` saying why not."""
    if not isinstance(name, str) or not _NAME.match(name):
        suggestion = re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")
        hint = f" (try {suggestion!r})" if suggestion and _NAME.match(suggestion) else ""
        raise InvalidPluginName(
            f"plugin name {str(name)[:40]!r} must be lowercase letters and digits, starting with a letter, words"
            f" joined by single underscores (not at the end), at most 40 characters{hint}"
        )
    if name in BUILTIN_PLUGINS:
        raise InvalidPluginName(f"{name!r} is the name of a built-in plugin; choose another")
    if keyword.iskeyword(name):
        raise InvalidPluginName(f"{name!r} is a Python keyword; choose another")
    return name


def template_values(name: str) -> dict[str, str]:
    """The values substituted into the template for plugin ``name``."""
    words = name.split("_")
    return {
        "name": name,
        "module": f"barcode_plugins_{name}",
        "distribution": f"barcode-plugins-{name}",
        "display_name": " ".join(word.capitalize() for word in words if word),
        "class_name": "".join(word.capitalize() for word in words if word),
        "part_prefix": name.replace("_", "").upper() + "-",
    }


def create_plugin(name: str, directory: Path) -> Path:
    """Create the plugin package ``barcode-plugins-<name>`` inside ``directory`` and return its path.

    The package holds ``pyproject.toml`` (entry point ``<name>`` in the ``barcode_plugins`` group), a README,
    ``src/barcode_plugins_<name>/__init__.py`` with a ``decode`` hook for an example format and its
    ``barcode_examples`` strategy, and ``tests/`` with the one-line conformance test. ``directory`` is created
    if needed; nothing is written unless the whole package is.

    :raises InvalidPluginName: ``name`` is not lowercase letters, digits and underscores, or is a built-in's.
    :raises PluginDirectoryExists: ``directory/barcode-plugins-<name>`` already exists.
    :raises ScaffoldError: ``directory`` cannot be created or written.
    """
    values = template_values(check_plugin_name(name))
    directory = Path(directory)
    destination = directory / values["distribution"]
    if destination.exists():
        raise PluginDirectoryExists(f"{destination} already exists; remove it or choose another --directory")
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"cannot create {destination}: {directory} is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Build next to the destination, then move it into place in one rename: no half-written package.
        with tempfile.TemporaryDirectory(prefix=".new-plugin-", dir=directory) as scratch:
            staging = Path(scratch) / values["distribution"]
            _render(files("barcode_plugins.authoring") / "templates" / "plugin", staging, values)
            if destination.exists():  # created meanwhile by someone else
                raise PluginDirectoryExists(f"{destination} already exists; remove it or choose another --directory")
            staging.rename(destination)
    except OSError as error:
        raise ScaffoldError(f"cannot create {destination}: {error.strerror or error}") from None
    return destination


def _render(source: Traversable, target: Path, values: dict[str, str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir(), key=lambda item: item.name):
        name = entry.name.replace("__module__", values["module"])
        if entry.is_dir():
            if name != "__pycache__":
                _render(entry, target / name, values)
            continue
        if not name.endswith(_TEMPLATE_SUFFIX):
            continue
        name = name.removesuffix(_TEMPLATE_SUFFIX)
        if name == "gitignore":
            name = ".gitignore"
        text = Template(entry.read_text(encoding="utf-8")).substitute(values)
        (target / name).write_text(text, encoding="utf-8")


__all__ = ["InvalidPluginName", "PluginDirectoryExists", "ScaffoldError", "check_plugin_name", "create_plugin"]
