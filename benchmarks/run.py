"""Run the barcode-plugins benchmarks and print each figure with its baseline from the same run.

    python benchmarks/run.py                 # the full run (2.5-3.5 minutes on 2 cores)
    python benchmarks/run.py --quick         # every benchmark, smaller (about 30 seconds)
    python benchmarks/run.py --only decode,wedge
    python benchmarks/run.py --json > result.json
    python benchmarks/run.py --json-out result.json   # the table, and the JSON document in a file

See benchmarks/README.md for what each figure measures and why its baseline is the one it is.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import bench_cli
import bench_decode
import bench_links
import bench_receive
import corpus
from harness import FULL, QUICK, SMOKE, Config, Section, load_average, log, machine, scratch_dir

BENCHMARKS = ("decode", "wedge", "links", "import", "receive", "durable", "cli", "memory")


class Inputs:
    """What the benchmarks share, built on first use: the engine, the templates, the corpora."""

    def __init__(self, config: Config, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.stamper = corpus.Stamper()

    @cached_property
    def engine(self) -> Any:
        """An engine with every installed plugin; decoding never opens its store."""
        from barcode_plugins import Engine

        engine = Engine(self.workdir / "unused.db")
        engine.plugins.ensure_plugins_loaded()
        return engine

    @cached_property
    def templates(self) -> list[corpus.Template]:
        """Verified templates with their wedge-damaged forms."""
        return self._built[0]

    @cached_property
    def _built(self) -> tuple[list[corpus.Template], dict[str, Any], dict[str, list[str]]]:
        return corpus.build(
            self.engine, self.config.plugin_examples, self.workdir, per_kind=self.config.templates_per_kind
        )

    @property
    def verification(self) -> dict[str, Any]:
        """How the stamped damaged forms were checked against their clean labels."""
        return self._built[1]

    @cached_property
    def mixed(self) -> corpus.Corpus:
        """The mixed corpus (supplier labels, damaged forms, internal, unknown)."""
        built = corpus.mixed_corpus(self.config.mixed_corpus, self.templates, self._built[2], self.stamper)
        log(f"corpus: mixed, {len(built):,} strings")
        return built

    @cached_property
    def pairs(self) -> corpus.WedgePairs:
        """Clean labels and one damaged form each."""
        return corpus.wedge_pairs(self.templates, self.config.wedge_pairs, self.stamper)


def _runners(inputs: Inputs) -> dict[str, Callable[[], Section]]:
    config, workdir = inputs.config, inputs.workdir
    return {
        "decode": lambda: bench_decode.run_mixed(inputs.engine, config, inputs.mixed),
        "wedge": lambda: bench_decode.run_wedge(inputs.engine, config, inputs.pairs),
        "links": lambda: bench_links.run_lookup(inputs.engine, config, inputs.mixed, workdir),
        "import": lambda: bench_links.run_import(inputs.engine, config, inputs.mixed, workdir),
        "receive": lambda: bench_receive.run_batch(inputs.engine, config, workdir),
        "durable": lambda: bench_receive.run_durable(inputs.engine, config, workdir),
        "cli": lambda: bench_cli.run_cold_start(config, inputs.templates, workdir),
        "memory": lambda: bench_cli.run_memory(config, inputs.templates, workdir),
    }


def _selected(only: str | None) -> list[str]:
    if not only:
        return list(BENCHMARKS)
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return [name for name in BENCHMARKS if name in names]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table(sections: list[Section]) -> str:
    """The result table, ratios first (Markdown)."""
    rows = [
        "| figure | ratio | target | met | ours | baseline (same run) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for section in sections:
        for figure in section.figures:
            ratio = "—" if figure.ratio is None else f"{figure.ratio:.2f} {figure.ratio_unit}"
            met = {True: "yes", False: "**NO**", None: "—"}[figure.met]
            rows.append(
                f"| {_cell(figure.title)} | {_cell(ratio)} | {_cell(figure.target)} | {met} | {_cell(figure.ours)}"
                f" | {_cell(figure.baseline)} |"
            )
    return "\n".join(rows)


def render_text(sections: list[Section], facts: dict[str, Any], inputs: Inputs, seconds: float) -> str:
    """Machine facts, the table, then each section's details."""
    lines = [
        f"barcode-plugins benchmarks ({inputs.config.name} run, {seconds:.0f} s)",
        f"machine: {facts['nproc']} CPUs ({facts['cpu_model']}), Python {facts['python']}, SQLite {facts['sqlite']},"
        f" {facts['platform']}",
        f"temp files: {facts['temp_dir']} on {facts['temp_filesystem']}; load average at start"
        f" {facts['load_average_start']}, at end {facts['load_average_end']}",
        "",
        render_table(sections),
        "",
    ]
    if "templates" in inputs.__dict__:
        verification = inputs.verification
        lines.append(
            f"corpus: {corpus.describe(inputs.templates)}; stamped forms checked by decoding:"
            f" {verification['checked']} checked, {verification['ambiguous_lossy']} lossy forms reported ambiguous"
            f" (accepted), {len(verification['failures'])} decoded differently from their clean label (dropped):"
        )
        grouped = Counter(tuple(failure) for failure in verification["failures"])
        lines.extend(
            f"  {kind}: {form}: {reason} ({count} of {inputs.config.templates_per_kind} templates)"
            for (kind, form, reason), count in sorted(grouped.items())
        )
    for section in sections:
        lines.append(f"\n## {section.name} ({section.seconds:.0f} s)")
        lines.extend(section.details)
    return "\n".join(lines)


def render_json(sections: list[Section], facts: dict[str, Any], inputs: Inputs, seconds: float) -> str:
    """One JSON document with everything the text output shows, and the raw rounds."""
    document = {
        "mode": inputs.config.name,
        "seconds": seconds,
        "machine": facts,
        "config": inputs.config.__dict__,
        "figures": [figure.as_dict() for section in sections for figure in section.figures],
        "sections": {
            section.name: {"seconds": section.seconds, "details": section.details, "data": section.data}
            for section in sections
        },
        "corpus_verification": inputs.verification if "templates" in inputs.__dict__ else None,
    }
    return json.dumps(document, indent=2, default=str)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the selected benchmarks, print the result; exit 0 (misses are reported, not
    failures)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes: every benchmark in about 30 seconds")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: check that everything runs (no figures)")
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    parser.add_argument("--tmpdir", help="where database and scan files go (default: the system temp dir)")
    parser.add_argument("--json-out", metavar="FILE", help="also write the JSON document to FILE")
    options = parser.parse_args(argv)
    config = SMOKE if options.smoke else QUICK if options.quick else FULL
    names = _selected(options.only)
    facts = machine(options.tmpdir)
    started = time.perf_counter()
    sections: list[Section] = []
    with scratch_dir(options.tmpdir) as workdir:
        inputs = Inputs(config, workdir)
        runners = _runners(inputs)
        for name in names:
            log(f"--- {name}")
            section_start = time.perf_counter()
            section = runners[name]()
            section.seconds = time.perf_counter() - section_start
            sections.append(section)
        inputs.engine.close()
    facts["load_average_end"] = load_average()
    seconds = time.perf_counter() - started
    document = render_json(sections, facts, inputs, seconds)
    if options.json_out:
        Path(options.json_out).write_text(document + "\n", encoding="utf-8")
    print(document if options.json else render_text(sections, facts, inputs, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
