"""Does importing a plugin do anything besides defining it? Checked in a fresh interpreter.

The child process imports the core first (its own cost is not the plugin's), snapshots the process state, then
imports the plugin's module under an audit hook (``sys.addaudithook``, PEP 578) that records files opened for
writing, sockets, subprocesses and file-system changes; afterwards it compares the snapshot. Output is whatever
the child wrote to stdout or stderr. A fresh interpreter is the only way to see a module's import again without
disturbing the modules the test process already holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import attrs

#: Seconds the child may take (a plugin that hangs at import is reported, not waited for).
IMPORT_TIMEOUT = 60.0

_CHILD = r"""
import sys
sys.dont_write_bytecode = True
import importlib, importlib.util, json, logging, os, random, signal, socket, threading, warnings
import barcode_plugins, barcode_plugins.hooks.manager, barcode_plugins.formats.ecia, barcode_plugins.formats.normalize

report_path, module_name, file_path = sys.argv[1], sys.argv[2], sys.argv[3]
WATCHED = {
    "socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
    "subprocess.Popen", "os.system", "os.exec", "os.spawn", "os.fork", "os.posix_spawn", "os.remove",
    "os.rename", "os.mkdir", "os.rmdir", "os.truncate", "os.symlink", "os.link", "os.chmod", "os.chdir",
    "os.putenv", "os.unsetenv", "shutil.rmtree", "shutil.copyfile", "shutil.move", "sqlite3.connect",
    "urllib.Request", "webbrowser.open", "ctypes.dlopen",
}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
events = []
recording = False


def audit(event, args):
    if not recording:
        return
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, 0))[:3]
        writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & WRITE_FLAGS)
        if writing:
            events.append(f"opened {path!r} for writing")
    elif event in WATCHED:
        events.append(f"{event}{repr(tuple(args))[:120]}")


def core_modules():
    return {name: dict(vars(module)) for name, module in list(sys.modules.items())
            if name == "barcode_plugins" or name.startswith("barcode_plugins.") and module is not None}


def state():
    return {
        "environment variables": dict(os.environ),
        "working directory": os.getcwd(),
        "sys.path": list(sys.path),
        "sys.meta_path": [id(item) for item in sys.meta_path],
        "sys.path_hooks": [id(item) for item in sys.path_hooks],
        "sys.stdout / sys.stderr / sys.stdin": (id(sys.stdout), id(sys.stderr), id(sys.stdin)),
        "sys.excepthook / sys.displayhook": (id(sys.excepthook), id(sys.displayhook)),
        "trace or profile function": (sys.gettrace(), sys.getprofile()),
        "recursion limit": sys.getrecursionlimit(),
        "signal handlers": {s: id(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM)},
        "logging configuration": (logging.root.level, [id(h) for h in logging.root.handlers],
                                  logging.root.manager.disable),
        "warnings filters": list(warnings.filters),
        "random number generator state": random.getstate(),
        "default socket timeout": socket.getdefaulttimeout(),
        "running threads": threading.active_count(),
    }


before_core = core_modules()
before = state()
sys.addaudithook(audit)
recording = True
error = None
try:
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        # Not importable by name (a module the test loaded from a file): load it from its file.
        if not file_path or missing.name != module_name:
            raise
        package = [os.path.dirname(file_path)] if os.path.basename(file_path) == "__init__.py" else None
        spec = importlib.util.spec_from_file_location(module_name, file_path, submodule_search_locations=package)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
except BaseException as exc:
    error = f"{type(exc).__name__}: {exc}"
recording = False
after = state()
changed = [key for key in before if before[key] != after[key]]
patched = []
for name, namespace in before_core.items():
    module = sys.modules.get(name)
    now = vars(module) if module is not None else {}
    for attribute, value in namespace.items():
        if attribute in now and now[attribute] is not value and not attribute.startswith("__"):
            patched.append(f"{name}.{attribute}")
with open(report_path, "w", encoding="utf-8") as report:
    json.dump({"error": error, "events": events, "changed": changed, "patched": patched}, report)
"""


@attrs.frozen
class ImportReport:
    """What importing a module did besides defining it. ``problems`` is empty for a clean import."""

    module: str
    error: str | None = None
    output: str = ""
    events: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    patched: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        """Each side effect as a sentence."""
        found = []
        if self.error:
            found.append(f"import failed: {self.error}")
        if self.output:
            found.append(f"printed {self.output[:200]!r}")
        found += [f"did I/O: {event}" for event in self.events[:5]]
        found += [f"changed the {what}" for what in self.changed]
        found += [f"replaced {name}" for name in self.patched[:5]]
        return found


def check_import(module_name: str, file_path: str | None = None) -> ImportReport:
    """Import ``module_name`` (from ``file_path`` when it is not importable by name) in a fresh interpreter that
    sees this process's ``sys.path``, and report what the import did."""
    with tempfile.TemporaryDirectory(prefix="barcode-plugins-import-") as scratch:
        workdir = Path(scratch) / "cwd"
        workdir.mkdir()
        report_path = Path(scratch) / "report.json"
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(entry for entry in sys.path if entry),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONWARNINGS": "ignore",
        }
        try:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _CHILD,
                    str(report_path),
                    module_name,
                    str(Path(file_path).resolve()) if file_path else "",
                ],
                cwd=workdir,
                env=environment,
                capture_output=True,
                text=True,
                timeout=IMPORT_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return ImportReport(module_name, error=f"did not finish within {IMPORT_TIMEOUT:g} s")
        if not report_path.exists():
            return ImportReport(module_name, error=f"the check itself failed: {completed.stderr.strip()[-500:]}")
        data = json.loads(report_path.read_text(encoding="utf-8"))
        leftovers = sorted(path.name for path in workdir.iterdir())
    events = list(data["events"]) + [f"left {name!r} in the working directory" for name in leftovers]
    return ImportReport(
        module_name,
        error=data["error"],
        output=(completed.stdout + completed.stderr).strip(),
        events=tuple(events),
        changed=tuple(data["changed"]),
        patched=tuple(data["patched"]),
    )
