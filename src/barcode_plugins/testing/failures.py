"""How the conformance suite reports: a failure names the property, the plugin, the input and what to fix."""

from __future__ import annotations

from typing import NoReturn

#: Longest excerpt of an input shown in a message (a 100 KB input is shown by its start and its length).
MAX_SHOWN = 300


class ConformanceFailure(AssertionError):
    """A plugin broke a conformance property.

    The message reads ``[property] plugin 'name': what happened``, then the input and a line saying what to fix.
    """

    def __init__(self, property_name: str, plugin: str, problem: str, given: object = None, fix: str = "") -> None:
        self.property_name = property_name
        self.plugin = plugin
        self.problem = problem
        self.given = given
        self.fix = fix
        lines = [f"[{property_name}] plugin {plugin!r}: {problem}"]
        if given is not None:
            lines.append(f"  input: {show(given)}")
        if fix:
            lines.append(f"  fix: {fix}")
        super().__init__("\n".join(lines))


class NotApplicable(Exception):
    """The property does not apply to this plugin (it does not implement the hook); the suite skips it."""


def fail(property_name: str, plugin: str, problem: str, given: object = None, fix: str = "") -> NoReturn:
    """Raise :class:`ConformanceFailure`."""
    __tracebackhide__ = True
    # "from None": a failure raised while handling the engine's refusal must not print that refusal's traceback
    # (pages of the engine's and the suite's source) before the message.
    raise ConformanceFailure(property_name, plugin, problem, given, fix) from None


def show(value: object) -> str:
    """A value as it appears in a message: ``repr`` (control characters escaped), cut to ``MAX_SHOWN``."""
    text = repr(value)
    if len(text) <= MAX_SHOWN:
        return text
    length = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return f"{text[:MAX_SHOWN]}...{length}"
