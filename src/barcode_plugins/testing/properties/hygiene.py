"""**hook hygiene** and **import hygiene**: the plugin's shape, checked without calling its hooks."""

from __future__ import annotations

from barcode_plugins.hooks.manager import PluginManager
from barcode_plugins.testing.calls import DEFAULT_BUDGET, Budget
from barcode_plugins.testing.failures import NotApplicable, fail
from barcode_plugins.testing.import_check import check_import
from barcode_plugins.testing.target import PluginUnderTest, module_path


def hook_names() -> list[str]:
    """The names of the hook specifications."""
    from barcode_plugins.hooks import hookspecs

    manager = PluginManager(entry_point_plugins=False)
    return sorted(name for name in vars(hookspecs) if manager.pm.parse_hookspec_opts(hookspecs, name) is not None)


def check_hook_hygiene(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**hook hygiene**: registering the plugin in a fresh plugin manager succeeds (pluggy validates every
    implementation against its specification; a hook name with no specification is rejected), and no function
    named like a hook is left undecorated (it would never be called)."""
    __tracebackhide__ = True
    fresh = PluginManager(entry_point_plugins=False)
    fix = (
        f"spell hook names as in barcode_plugins.hooks.hookspecs ({', '.join(hook_names())}), accept only the "
        "arguments the specification declares, and decorate them with barcode_plugins.hookimpl"
    )
    if not fresh.register(target.plugin, target.name):
        fail("hook hygiene", target.name, f"rejected by the plugin manager: {fresh.failures[-1].error}", fix=fix)
    try:
        for hook in hook_names():
            function = getattr(target.plugin, hook, None)
            if callable(function) and fresh.pm.parse_hookimpl_opts(target.plugin, hook) is None:
                fail(
                    "hook hygiene",
                    target.name,
                    f"defines {hook}() without @hookimpl, so it is never called",
                    fix="decorate it with @barcode_plugins.hookimpl (not a hookimpl marker of another project)",
                )
        if not any(True for _ in fresh.pm.get_hookcallers(target.plugin) or ()):
            fail("hook hygiene", target.name, "implements no hook at all", fix=fix)
    finally:
        fresh.unregister(target.name)


def check_import_hygiene(target: PluginUnderTest, budget: Budget = DEFAULT_BUDGET) -> None:
    """**import hygiene**: importing the plugin's module prints nothing, writes no file, opens no connection,
    starts no process or thread and changes no global state (environment, ``sys.path``, logging, warnings filters,
    signal handlers, the random generator, the core's own functions). Checked in a fresh interpreter."""
    __tracebackhide__ = True
    module_name, file_path = module_path(target)
    if module_name is None or module_name == "__main__":
        raise NotApplicable(f"plugin {target.name!r} is not a module; only a module's import can be checked")
    report = check_import(module_name, file_path)
    if report.problems:
        fail(
            "import hygiene",
            target.name,
            f"importing {module_name} " + "; ".join(report.problems),
            fix="do nothing at import but define hooks and constants: no print, no files, no network, no "
            "configuration of logging or warnings; do such work lazily inside a hook (and only if pure)",
        )
