"""The demo: the sandbox org served in-process and loaded into ./kustomer_demo.duckdb; and the
list of objects an org (or the sandbox) offers."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from kustomer_sandbox import serve
from kustomer_source import kustomer_source

from .load import load_selected, selected, source_settings
from .pipeline import DEMO_DUCKDB, make_demo_pipeline, open_destination
from .summary import report

DEMO_SEED = 7


def run_demo(args: argparse.Namespace) -> int:
    """Starts the sandbox in-process and loads it into ./kustomer_demo.duckdb, from scratch each
    time (each demo is a new sandbox org on a new port, so its state would not carry over)."""
    duckdb_path = str(Path.cwd() / DEMO_DUCKDB)
    with (
        serve(seed=DEMO_SEED, scale=args.demo_scale) as sandbox,
        open_destination(args, duckdb_path) as destination,
    ):
        print(f"Sandbox Kustomer API at {sandbox.base_url}")
        # the last demo's state names the last demo's sandbox (another port): dropped before
        # the source is made, which asks this sandbox for its Klasses and attribute metadata
        pipeline = make_demo_pipeline(args, destination).drop()
        source = kustomer_source(
            api_key=sandbox.token, base_url=sandbox.base_url, **source_settings(args)
        )
        args.full_refresh = True
        started = datetime.now(timezone.utc)
        source = selected(source, args)
        load_selected(pipeline, source, args)
        report(args, pipeline, [source], [pipeline.last_trace], started, duckdb_path)
    return 0


def list_objects(args: argparse.Namespace) -> int:
    """Prints every object the org offers (with its Klasses) and how each is loaded."""
    if args.demo:
        with serve(seed=DEMO_SEED, scale=args.demo_scale) as sandbox:
            print_objects(kustomer_source(api_key=sandbox.token, base_url=sandbox.base_url))
    else:
        print_objects(kustomer_source())
    return 0


def print_objects(source: Any) -> None:
    print(f"{'object':34} {'sync':8} loaded by default")
    for name, resource in source.resources.items():
        disposition = resource.write_disposition
        kind = disposition if isinstance(disposition, str) else disposition["disposition"]
        note = "yes" if resource.selected else "no: a disabled Klass (name it to load it)"
        print(f"{name:34} {kind:8} {note}")
