"""The command line: cold start of ``barcode-plugins decode RAW`` (and what it imports), and peak memory while
streaming many scans through ``barcode-plugins decode -``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import corpus
from harness import Config, Figure, Section, fmt_rate, interleaved, log, median

#: Packages ``decode`` must not import: the store's and the image libraries.
FORBIDDEN = {"sqlite_utils": "sqlite_utils", "images": ("PIL", "zxingcpp", "zxing")}
CHUNK = 1 << 20


def console_script() -> str:
    """The ``barcode-plugins`` executable next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("barcode-plugins")
    if beside.exists():
        return str(beside)
    found = shutil.which("barcode-plugins")
    if found is None:
        raise RuntimeError("barcode-plugins is not installed (pip install -e .)")
    return found


def installed_environment(workdir: Path) -> dict[str, str]:
    """The environment of an installed barcode-plugins: bytecode cached (in a private prefix, so the source tree is
    not touched) and the entry-point index cached (in the scratch directory, not the user's cache)."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    environment["BARCODE_PLUGINS_CACHE_DIR"] = str(workdir / "index-cache")
    return environment


def _run_ns(command: list[str], environment: dict[str, str] | None = None) -> int:
    start = time.perf_counter_ns()
    subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
        check=False,
    )
    return time.perf_counter_ns() - start


def imported_modules(command: list[str], environment: dict[str, str]) -> dict[str, float]:
    """Modules a command imports, with their own import time in ms (``python -X importtime``; run twice, the first
    run warming the caches of this interpreter path)."""
    for _ in range(2):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", *command],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
    modules: dict[str, float] = {}
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line[len("import time:") :].split("|"))
        modules[name] = modules.get(name, 0.0) + int(self_us) / 1000
    return modules


def _by_package(modules: dict[str, float]) -> list[tuple[str, float]]:
    totals: dict[str, float] = {}
    for name, ms in modules.items():
        top = name.split(".")[0]
        totals[top] = totals.get(top, 0.0) + ms
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)


def _imports(modules: dict[str, float], packages: str | tuple[str, ...]) -> bool:
    wanted = (packages,) if isinstance(packages, str) else packages
    return any(name.split(".")[0] in wanted for name in modules)


def run_cold_start(config: Config, templates: list[corpus.Template], workdir: Path) -> Section:
    """Figure: wall time of ``barcode-plugins decode RAW`` against ``python -c "import click"`` and
    ``python -c "import pluggy"``, interleaved, all as installed (bytecode and entry-point index cached, after
    warm-up runs); plus what ``decode`` imports, and the same start without bytecode cache for reference."""
    section = Section("cli")
    script = console_script()
    raw = next(t for t in templates if t.kind == "digikey").clean.replace(corpus.SENTINEL, corpus.token(0))
    commands = {
        "decode": [script, "decode", raw],
        "decode --json": [script, "decode", "--json", raw],
        "import click": [sys.executable, "-c", "import click"],
        "import pluggy": [sys.executable, "-c", "import pluggy"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }
    environment = installed_environment(workdir)
    for command in commands.values():
        for _ in range(2):  # write the bytecode and the entry-point index, warm the page cache
            _run_ns(command, environment)
    log(f"cli: cold start, {config.cold_start_runs} interleaved runs of each command")
    samples = interleaved(
        {name: lambda c=command: _run_ns(c, environment) for name, command in commands.items()}, config.cold_start_runs
    )
    ms = {name: median(values) / 1e6 for name, values in samples.items()}
    uncached = {
        name: median(
            [_run_ns(commands[name], _without_bytecode_cache(environment)) for _ in range(config.cold_start_runs)]
        )
        / 1e6
        for name in ("decode", "import pluggy")
    }
    modules = imported_modules(commands["decode"], environment)
    uses_store = _imports(modules, FORBIDDEN["sqlite_utils"])
    uses_images = _imports(modules, FORBIDDEN["images"])
    # The baseline is `python -c "import click"`; import pluggy (lighter) is shown as a stricter reference.
    ratio = ms["decode"] / ms["import click"]
    section.figures.append(
        Figure(
            key="cli.cold_start",
            title="CLI cold start: barcode-plugins decode RAW",
            ratio=ratio,
            ratio_unit="x import click",
            target="<= 3x; no sqlite_utils, no image libs",
            met=ratio <= 3.0 and not uses_store and not uses_images,
            ours=f"{ms['decode']:.0f} ms (imports sqlite_utils: {'yes' if uses_store else 'no'},"
            f" image libs: {'yes' if uses_images else 'no'})",
            baseline=f"import click {ms['import click']:.0f} ms; stricter: import pluggy {ms['import pluggy']:.0f} ms"
            f" ({ms['decode'] / ms['import pluggy']:.2f}x)",
            values={
                "median_ms": ms,
                "without_bytecode_cache_ms": uncached,
                "imports_sqlite_utils": uses_store,
                "imports_image_libraries": uses_images,
                "modules": len(modules),
            },
        )
    )
    top = ", ".join(f"{name} {spent:.1f}" for name, spent in _by_package(modules)[:8])
    section.details.append(
        f"cold start medians (bytecode cached): {', '.join(f'{name} {value:.0f} ms' for name, value in ms.items())}"
    )
    section.details.append(
        f"without bytecode cache (PYTHONDONTWRITEBYTECODE=1 and no __pycache__, as in a fresh editable checkout):"
        f" decode {uncached['decode']:.0f} ms = {uncached['decode'] / uncached['import pluggy']:.2f}x import pluggy"
        f" ({uncached['import pluggy']:.0f} ms): every barcode_plugins module is compiled on every run"
    )
    section.details.append(f"decode imports {len(modules)} modules; own import time by package (ms): {top}")
    section.data["imports_ms_by_package"] = dict(_by_package(modules))
    return section


def _without_bytecode_cache(environment: dict[str, str]) -> dict[str, str]:
    stripped = {name: value for name, value in environment.items() if name != "PYTHONPYCACHEPREFIX"}
    return stripped | {"PYTHONDONTWRITEBYTECODE": "1"}


def write_scans(path: Path, templates: list[corpus.Template], count: int, start: int) -> None:
    """A file of ``count`` distinct one-line scans."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for line in corpus.stream_lines(templates, count, start):
            handle.write(line + "\n")


#: Measures a child's peak RSS from a small process: ``ru_maxrss`` keeps the high-water mark from before
#: ``exec``, so a child forked (or vforked) straight from this big benchmark process would report *our* size.
GNU_TIME = "/usr/bin/time"
_LAUNCHER = (
    "import os, sys; pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ); _, status, usage = os.wait4(pid, 0);"
    " open(sys.argv[1], 'w').write(str(usage.ru_maxrss)); sys.exit(os.waitstatus_to_exitcode(status))"
)


def _measured(command: list[str], rss_file: Path) -> list[str]:
    """``command`` wrapped so that its peak RSS (KiB) is written to ``rss_file``."""
    if os.path.exists(GNU_TIME):
        return [GNU_TIME, "-f", "%M", "-o", str(rss_file), *command]
    return [sys.executable, "-S", "-c", _LAUNCHER, str(rss_file), *command]


def stream_child(command: list[str], scans: Path, scratch: Path, environment: dict[str, str]) -> dict[str, Any]:
    """Run ``command`` with ``scans`` on stdin; count its output lines; its peak RSS measured by a small wrapper."""
    rss_file, stderr_path = scratch.with_suffix(".rss"), scratch.with_suffix(".stderr")
    start = time.perf_counter()
    with scans.open("rb") as stdin, stderr_path.open("wb") as stderr:
        child = subprocess.Popen(
            _measured(command, rss_file), stdin=stdin, stdout=subprocess.PIPE, stderr=stderr, env=environment
        )
        assert child.stdout is not None
        lines = 0
        while block := child.stdout.read(CHUNK):
            lines += block.count(b"\n")
        child.stdout.close()
        exit_code = child.wait()
    with stderr_path.open("rb") as handle:
        error_lines = sum(1 for _ in handle)
    peak_kib = int(rss_file.read_text().split()[-1])
    return {
        "exit_code": exit_code,
        "peak_rss_mb": peak_kib / 1024,
        "stdout_lines": lines,
        "stderr_lines": error_lines,
        "seconds": time.perf_counter() - start,
    }


def run_memory(config: Config, templates: list[corpus.Template], workdir: Path) -> Section:
    """Figure: peak RSS of ``decode -`` and ``decode --json -`` streaming ``stream_small`` and ``stream_large``
    scans. The two modes of one size run side by side (one child per core); memory is per child."""
    section = Section("memory")
    script = console_script()
    environment = installed_environment(workdir)
    for flag in ([], ["--json"]):  # write the bytecode cache first: compiling would inflate the first child's RSS
        for _ in range(2):
            _run_ns([script, "decode", *flag, "bp:stockitem:1"], environment)
    results: dict[str, dict[str, Any]] = {}
    for count in (config.stream_small, config.stream_large):
        scans = workdir / f"scans-{count}.txt"
        log(f"memory: writing {count:,} scans")
        write_scans(scans, templates, count, start=2_000_000)
        log(f"memory: streaming {count:,} scans through decode - and decode --json - (side by side)")
        jobs = {
            f"decode -, {count:,}": [script, "decode", "-"],
            f"decode --json -, {count:,}": [script, "decode", "--json", "-"],
        }
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = {
                name: pool.submit(stream_child, command, scans, workdir / f"stream-{count}-{index}", environment)
                for index, (name, command) in enumerate(jobs.items())
            }
            for name, future in futures.items():
                results[name] = future.result() | {"scans": count}
        scans.unlink()
    for mode, flag in (("decode -", "decode"), ("decode --json -", "decode --json")):
        small = results[f"{mode}, {config.stream_small:,}"]
        large = results[f"{mode}, {config.stream_large:,}"]
        growth = large["peak_rss_mb"] / small["peak_rss_mb"]
        complete = large["stdout_lines"] + large["stderr_lines"] >= large["scans"]
        section.figures.append(
            Figure(
                key=f"memory.{flag.replace(' --', '_').replace(' ', '_')}",
                title=f"memory: {flag} -, {config.stream_large:,} scans",
                ratio=growth,
                ratio_unit=f"x peak RSS at {config.stream_small:,} scans",
                target="flat (<= 1.1x) and < 100 MB",
                met=growth <= 1.1 and large["peak_rss_mb"] < 100 and complete,
                ours=f"peak RSS {large['peak_rss_mb']:.1f} MB",
                baseline=f"{small['peak_rss_mb']:.1f} MB at {config.stream_small:,} scans",
                values={"small": small, "large": large},
            )
        )
    for name, result in results.items():
        section.details.append(
            f"stream {name} scans: peak RSS {result['peak_rss_mb']:.1f} MB, {result['stdout_lines']:,} lines out,"
            f" {result['stderr_lines']:,} on stderr, exit {result['exit_code']},"
            f" {fmt_rate(result['scans'] / result['seconds'], ' scans/s')} wall"
        )
    section.data["streams"] = results
    return section
