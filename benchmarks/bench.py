"""Throughput benchmarks against the sandbox, which runs in its own process (its own core).

Modes:
  ceiling  a full load at the API's limits (latency, rate budget): requests per minute against the
           budget, records per second, 429s, peak memory; then the same load through a naive
           client (dlt's rest_api source, default settings: sequential, following links.next)
           and the ratio of the two.
  local    local processing alone (no latency, no limits): records per second through extract,
           normalize and load into DuckDB, and peak memory.
  changes  an incremental run over many changes of one object at the given latency and limits,
           searched in one keyset scan (search_concurrency=1) and then in parallel time windows
           (search_concurrency=4): search requests per minute against the search budget, records
           per second and the ratio of the two.
  resume   a first load through the command (pipelines/kustomer_pipeline.py): in one package,
           then in committed chunks (--first-load-chunk-records), then in chunks killed with -9
           after half of that load's requests and run again, then killed the same way and run
           again without its working directory (a runner that keeps none, as GitHub Actions):
           requests and wall time of each, and the reruns' requests against a whole chunked load
           and against the one package.
  overlap  a first load of every object through the command at each scale of --scales (e.g. the
           org and three times it): in one package, then in committed chunks read side by side
           and loaded while the next ones are read: requests, the span from the first to the last
           request, wall time, their ratio, and the peak memory of the command's processes.
  split    a first load of the search-synced objects on each plan of --plans, on the same org:
           first through the lists alone (first_load_split=False), then in two parts on both
           budgets (records created in search's window through search, older ones through the
           lists): records per second, each budget's use in percent of its allowed share while
           both parts run, 429s, and the ratio of the two.

Examples:
  python benchmarks/bench.py --mode ceiling --scale 10000 --latency-ms 300 --jitter-ms 100
  python benchmarks/bench.py --mode local --scale 20000
  python benchmarks/bench.py --mode local --scale 250000 --objects messages   # a million messages
  python benchmarks/bench.py --mode changes --scale 10000 --objects conversations \
      --latency-ms 2000 --jitter-ms 500 --changes 10000
  python benchmarks/bench.py --mode split --scale 10000 --plans 300,1000
  python benchmarks/bench.py --mode removals --scale 2000 --deletions 0,1,10,100
  python benchmarks/bench.py --mode removals --scale 13000 --deletions 0,0,0 \
      --search-rate-limit 600   # unchanged reruns: a costly comparison waits
  python benchmarks/bench.py --mode resume --scale 2000 --chunk-records 5000
  python benchmarks/bench.py --mode overlap --scales 13000,39000 --chunk-records 20000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
import psutil

from kustomer_runner.tuning import DUCKDB_SETTINGS, tune_garbage_collector
from kustomer_source import OBJECTS, Tuning, kustomer_source

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Sandbox:
    base_url: str
    token: str
    process: subprocess.Popen[str]

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.base_url}/__sandbox/stats") as response:
            return dict(json.load(response))

    def reset_stats(self) -> None:
        self.control("POST", "stats/reset")

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """A call to the sandbox's control API (loopback only)."""
        request = urllib.request.Request(
            f"{self.base_url}/__sandbox/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def change(self, table: str, count: int) -> int:
        """Updates the first `count` records of `table` (updatedAt = now, 1 ms apart)."""
        ids: list[str] = []
        while len(ids) < count:
            page = self.control("GET", f"objects/{table}?limit=1000&offset={len(ids)}")["data"]
            if not page:
                break
            ids.extend(record["id"] for record in page)
        ids = ids[:count]
        with ThreadPoolExecutor(4) as pool:
            body = {"attributes": {"name": "changed by the benchmark"}}
            list(pool.map(lambda i: self.control("PATCH", f"objects/{table}/{i}", body), ids))
        return len(ids)


@contextmanager
def sandbox_process(args: argparse.Namespace) -> Iterator[Sandbox]:
    """`python -m kustomer_sandbox` in a subprocess, with the benchmark's settings."""
    # in `changes` mode the first loads run without latency; it is switched on before the run
    latency, jitter = (0, 0) if args.mode == "changes" else (args.latency_ms, args.jitter_ms)
    command = [
        sys.executable, "-m", "kustomer_sandbox", "--port", "0",
        "--scale", str(args.scale), "--seed", "7",
        "--latency-ms", str(latency), "--jitter-ms", str(jitter),
        "--rate-limit", str(args.rate_limit), "--search-rate-limit", str(args.search_rate_limit),
        "--search-counts-org", args.search_counts_org,
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    token = process.stdout.readline().split()[-1]
    try:
        yield Sandbox(url, token, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class PeakMemory:
    """Samples the memory of this process and its children (normalize workers).

    Each process counts its proportional set size (PSS): normalize workers are forked, and the
    pages they still share with this process would be counted once per process by RSS. Where PSS
    is not available (not Linux) RSS is summed, which overstates.
    """

    exclude: int = 0  # the sandbox's pid: it runs apart and is not the pipeline's memory
    peak: int = 0
    root: int | None = None  # sample this process and its children instead of this one
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> PeakMemory:
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _sample(self) -> None:
        try:
            me = psutil.Process(self.root)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                children = [c for c in me.children(recursive=True) if c.pid != self.exclude]
                used = sum(_memory(process) for process in [me, *children])
                self.peak = max(self.peak, used)
            except psutil.Error:
                pass
            time.sleep(0.1)


def _memory(process: psutil.Process) -> int:
    try:
        return int(process.memory_full_info().pss)
    except (AttributeError, psutil.AccessDenied):
        return int(process.memory_info().rss)


@dataclass
class Result:
    name: str
    records: int
    requests: int
    throttled: int
    seconds: float
    extract_seconds: float
    peak_bytes: int

    def line(self, budget: int | None, share: float | None) -> str:
        per_min = self.requests / (self.extract_seconds / 60)
        text = (
            f"{self.name:8} records={self.records:>8} requests={self.requests:>6} "
            f"wall={self.seconds:7.1f}s extract={self.extract_seconds:7.1f}s "
            f"records/s={self.records / self.seconds:8.0f} 429s={self.throttled} "
            f"peak_mem={self.peak_bytes / 2**20:6.0f} MiB req/min(extract)={per_min:6.0f}"
        )
        if budget:
            text += f" = {per_min / budget:5.1%} of the budget"
            if share:
                text += f", {per_min / (budget * share):5.1%} of the allowed share"
            # normalize and load follow extract in dlt: the rate over the whole run, for the record
            text += f"; req/min(run)={self.requests / (self.seconds / 60):6.0f}"
        return text


def count_records(db_path: str, dataset: str, tables: list[str]) -> int:
    """Rows in the objects' root tables."""
    with duckdb.connect(db_path, read_only=True) as con:
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [dataset],
            ).fetchall()
        }
        total = 0
        for table in tables:
            if table in present:
                row = con.execute(f"select count(*) from {dataset}.{table}").fetchone()
                total += int(row[0]) if row else 0
        return total


def run_load(name: str, sb: Sandbox, source: Any, tables: list[str], workdir: Path) -> Result:
    """One load into the DuckDB file `<name>.duckdb` (fresh for a full load), measured."""
    db_path = str(workdir / f"{name}.duckdb")
    # the DuckDB file opened as pipelines/kustomer_pipeline.py opens it: one connection for the load
    connection = duckdb.connect(db_path, config=DUCKDB_SETTINGS)
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{name}",
        destination=dlt.destinations.duckdb(connection),
        dataset_name="kustomer_data",
        pipelines_dir=str(workdir / "pipelines"),
    )
    sb.reset_stats()
    phases: dict[str, tuple[float, int]] = {}
    with connection, PeakMemory(exclude=sb.process.pid) as memory:
        started = time.perf_counter()
        for phase, step in (
            ("extract", lambda: pipeline.extract(source, loader_file_format="parquet")),
            ("normalize", pipeline.normalize),
            ("load", pipeline.load),
        ):
            began, memory.peak = time.perf_counter(), 0
            step()
            phases[phase] = (time.perf_counter() - began, memory.peak)
        finished = time.perf_counter()
    print(
        f"  {name}: "
        + ", ".join(f"{k} {s:.1f}s (peak {m / 2**20:.0f} MiB)" for k, (s, m) in phases.items())
    )
    stats = sb.stats()
    return Result(
        name=name,
        records=count_records(db_path, "kustomer_data", tables),
        requests=stats["requests"],
        throttled=stats["throttled"],
        seconds=finished - started,
        extract_seconds=phases["extract"][0],
        peak_bytes=max(peak for _, peak in phases.values()),
    )


def naive_source(sb: Sandbox, tables: list[str]) -> Any:
    """The same endpoints through dlt's rest_api source with its defaults."""
    from dlt.sources.rest_api import rest_api_source

    resources: list[Any] = []
    for obj in OBJECTS:
        if obj.table not in tables:
            continue
        params: dict[str, Any] = {}
        paginator: Any = {"type": "json_link", "next_url_path": "links.next"}
        if obj.read == "single":
            paginator = {"type": "single_page"}
        elif obj.read == "audit_log":
            params = {"count": obj.page_size}
        else:
            params = {"pageSize": obj.page_size}
        endpoint = {"path": obj.path, "data_selector": "data", "params": params}
        endpoint["paginator"] = paginator
        resources.append({"name": obj.table, "endpoint": endpoint, "primary_key": "id"})
    config: Any = {
        "client": {"base_url": sb.base_url, "auth": {"type": "bearer", "token": sb.token}},
        "resources": resources,
    }
    return rest_api_source(config, name="naive")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--mode",
        choices=["ceiling", "local", "changes", "split", "removals", "resume", "overlap"],
        default="ceiling",
    )
    parser.add_argument("--scale", type=int, default=10000)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--jitter-ms", type=int, default=100)
    parser.add_argument("--rate-limit", type=int, default=1000)
    parser.add_argument("--search-rate-limit", type=int, default=100)
    parser.add_argument("--share", type=float, default=0.9, help="rate_limit_share")
    parser.add_argument("--objects", help="comma-separated objects (default: all 48)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive comparison")
    parser.add_argument(
        "--chunk-records",
        type=int,
        default=20000,
        help="records per first-load chunk of an object (resume and overlap modes)",
    )
    parser.add_argument(
        "--scales", default="13000,39000", help="org sizes to compare (overlap mode)"
    )
    parser.add_argument(
        "--first-loads",
        default="one,chunks",
        help="first loads to run (overlap mode): one (package), chunks (of --chunk-records), "
        "auto (the runner's default choice)",
    )
    parser.add_argument("--changes", type=int, default=10000, help="records changed (changes mode)")
    parser.add_argument(
        "--plans", default="300,1000", help="org budgets per minute to compare on (split mode)"
    )
    parser.add_argument(
        "--deletions", default="0,1,10,100", help="customers deleted before each run (removals)"
    )
    parser.add_argument(
        "--search-counts-org",
        choices=["yes", "no"],
        default="yes",
        help="whether the sandbox counts a search against the org budget too",
    )
    parser.add_argument(
        "--source-counts-org",
        choices=["learn", "yes", "no"],
        default="learn",
        help="the source's search_counts_org: learned from the headers (default), or fixed",
    )
    args = parser.parse_args()
    if args.mode == "split" and not args.objects:
        args.objects = ",".join(SPLIT_OBJECTS)
    if args.mode in ("local", "removals"):
        # removals: the search budget only when asked for (`--search-rate-limit`), to see a
        # costly comparison wait (`comparison_wait_s`) on reruns of an unchanged org
        keep = args.mode == "removals" and "--search-rate-limit" in sys.argv
        args.latency_ms = args.jitter_ms = args.rate_limit = 0
        args.search_rate_limit = args.search_rate_limit if keep else 0
    return args


def main() -> None:
    args = parse_args()
    tune_garbage_collector()  # as pipelines/kustomer_pipeline.py does
    tables = args.objects.split(",") if args.objects else [o.table for o in OBJECTS]
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    if args.mode == "overlap":  # each scale has its own sandbox
        with tempfile.TemporaryDirectory() as tmp:
            measure_overlap(args, Path(tmp))
        return
    with tempfile.TemporaryDirectory() as tmp, sandbox_process(args) as sb:
        workdir = Path(tmp)
        print(
            f"sandbox: scale={args.scale} latency={args.latency_ms}±{args.jitter_ms}ms "
            f"rate_limit={args.rate_limit}/min search={args.search_rate_limit}/min "
            f"share={args.share} cpu={os.cpu_count()}"
        )
        if args.mode == "changes":
            compare_search_windows(args, sb, tables, workdir)
            return
        if args.mode == "split":
            compare_first_loads(args, sb, tables, workdir)
            return
        if args.mode == "removals":
            count_reconciliation(args, sb, workdir)
            return
        if args.mode == "resume":
            count_resumed_first_load(args, sb, workdir)
            return
        source = kustomer_source(
            api_key=sb.token, base_url=sb.base_url, rate_limit_share=args.share
        ).with_resources(*tables)
        ours = run_load("kustomer", sb, source, tables, workdir)
        print(ours.line(args.rate_limit or None, args.share))
        if args.mode == "ceiling" and not args.no_naive:
            naive = run_load("naive", sb, naive_source(sb, tables), tables, workdir)
            print(naive.line(args.rate_limit or None, None))
            ratio = (ours.records / ours.seconds) / (naive.records / naive.seconds)
            print(f"speed-up: {ratio:.1f}x records/s over the naive client")


def compare_search_windows(
    args: argparse.Namespace, sb: Sandbox, tables: list[str], workdir: Path
) -> None:
    """Two pipelines load the org, the org changes, then each reads the changes: one keyset
    scan, then parallel search windows."""
    concurrencies = {"one_scan": 1, "windows": 4}
    for name in concurrencies:
        source = kustomer_source(api_key=sb.token, base_url=sb.base_url, rate_limit_share=1.0)
        run_load(name, sb, source.with_resources(*tables), tables, workdir)
    changed = sum(sb.change(table, args.changes) for table in tables)
    sb.control("POST", "latency", {"latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms})
    print(f"changed {changed} records; incremental runs:")
    speed: dict[str, float] = {}
    for name, concurrency in concurrencies.items():
        source = kustomer_source(
            api_key=sb.token,
            base_url=sb.base_url,
            rate_limit_share=args.share,
            tuning=Tuning(search_concurrency=concurrency),
        )
        result = run_load(name, sb, source.with_resources(*tables), tables, workdir)
        searches = int(sb.control("GET", "stats?path_prefix=/v1/customers/search")["requests"])
        per_min = searches / (result.extract_seconds / 60)
        allowed = args.search_rate_limit * args.share
        speed[name] = changed / result.extract_seconds
        print(
            f"{name:8} search_concurrency={concurrency} search requests={searches} "
            f"extract={result.extract_seconds:6.1f}s changes/s={speed[name]:7.0f} "
            f"search req/min={per_min:5.1f} = {per_min / allowed:5.1%} of the allowed "
            f"{allowed:.0f} 429s={result.throttled}"
        )
    print(f"speed-up: {speed['windows'] / speed['one_scan']:.1f}x changes/s with parallel windows")


SPLIT_OBJECTS = ("customers", "conversations", "messages", "notes")
LIST_PATHS = ("/v1/customers", "/v1/conversations", "/v1/messages", "/v1/notes")


class RequestTimeline:
    """Samples the sandbox's request counters (list GETs, searches) while a load runs, to tell
    when each part stopped sending and what each budget carried while both ran."""

    def __init__(self, sb: Sandbox, period_s: float = 0.25) -> None:
        self.sb, self.period_s = sb, period_s
        self.samples: list[tuple[float, int, int]] = []  # (time, list GETs, searches)
        self._stop = threading.Event()

    def __enter__(self) -> RequestTimeline:
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._take()

    def _take(self) -> None:
        lists = sum(
            int(self.sb.control("GET", f"stats?method=GET&path_prefix={path}")["requests"])
            for path in LIST_PATHS
        )
        searches = int(self.sb.control("GET", "stats?path_prefix=/v1/customers/search")["requests"])
        self.samples.append((time.perf_counter(), lists, searches))

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._take()
            time.sleep(self.period_s)

    def both_running(self) -> tuple[float, int, int]:
        """Seconds from the first request until the first of the two parts sent its last one,
        and the list GETs and searches sent in that time."""
        started = next((t for t, lists, searches in self.samples if lists + searches), None)
        if started is None:
            return 0.0, 0, 0

        def last_change(column: int) -> float:
            final = self.samples[-1][column]
            return next(s[0] for s in self.samples if s[column] == final)

        until = min(last_change(1), last_change(2))
        upto = [s for s in self.samples if s[0] <= until][-1]
        return until - started, upto[1], upto[2]


def compare_first_loads(
    args: argparse.Namespace, sb: Sandbox, tables: list[str], workdir: Path
) -> None:
    """On each plan, a first load through the lists alone, then one on both budgets."""
    counts_org = args.search_counts_org == "yes"
    source_counts = {"learn": None, "yes": True, "no": False}[args.source_counts_org]
    print(
        f"search requests also count against the org budget: {args.search_counts_org} "
        f"(the source: {args.source_counts_org})"
    )
    for plan in (int(p) for p in args.plans.split(",")):
        sb.control("POST", "limits", {"rate_limit": plan})
        speed: dict[str, float] = {}
        whole: dict[str, float] = {}
        for name, split in (("lists", False), ("split", True)):
            source = kustomer_source(
                api_key=sb.token,
                base_url=sb.base_url,
                rate_limit_share=args.share,
                tuning=Tuning(first_load_split=split, search_counts_org=source_counts),
            ).with_resources(*tables)
            with RequestTimeline(sb) as timeline:
                result = run_load(f"{name}_{plan}", sb, source, tables, workdir)
            seconds, lists, searches = timeline.both_running()
            org_sent = lists + (searches if counts_org else 0)
            org_use = org_sent / (seconds / 60) / (plan * args.share) if seconds else 0.0
            search_allowed = args.search_rate_limit * args.share
            search_use = searches / (seconds / 60) / search_allowed if seconds else 0.0
            speed[name] = result.records / result.extract_seconds
            whole[name] = result.records / result.seconds
            print(
                f"plan {plan}/min {name:5}: {result.records} records, extract "
                f"{result.extract_seconds:.1f}s = {speed[name]:.0f} records/s "
                f"(whole run {result.seconds:.1f}s = {result.records / result.seconds:.0f}/s), "
                f"{result.requests} requests, 429s={result.throttled}"
            )
            if split:
                print(
                    f"  while both parts ran ({seconds:.1f}s): org budget {org_use:.1%} of the "
                    f"allowed {plan * args.share:.0f}/min ({lists} list + "
                    f"{searches if counts_org else 0} search requests), search budget "
                    f"{search_use:.1%} of the allowed {search_allowed:.0f}/min ({searches})"
                )
        print(
            f"plan {plan}/min speed-up with both budgets: {speed['split'] / speed['lists']:.2f}x "
            f"records/s while extracting, {whole['split'] / whole['lists']:.2f}x over the whole run"
        )


REMOVAL_OBJECTS = ["customers", "conversations", "messages", "notes", "companies"]


def count_reconciliation(args: argparse.Namespace, sb: Sandbox, workdir: Path) -> None:
    """The comparison with the org after a first load: requests of a rerun on an unchanged org
    and after `d` customers were deleted (with their conversations, messages and notes)."""
    pipeline = dlt.pipeline(
        pipeline_name="removals_bench",
        destination=dlt.destinations.duckdb(str(workdir / "removals.duckdb")),
        dataset_name="kustomer_data",
        pipelines_dir=str(workdir / "pipelines"),
    )

    def run() -> dict[str, int]:
        from kustomer_source.removals import apply_removals

        sb.reset_stats()
        source = kustomer_source(api_key=sb.token, base_url=sb.base_url, rate_limit_share=1.0)
        pipeline.run(source.with_resources(*REMOVAL_OBJECTS), loader_file_format="parquet")
        apply_removals(pipeline)

        def requests(method: str, prefix: str) -> int:
            stats = sb.control("GET", f"stats?method={method}&path_prefix={prefix}")
            return int(stats["requests"])

        return {
            "search": requests("POST", "/v1/customers/search"),
            "archive": requests("POST", "/v1/customers/archive/search"),
            "get": requests("GET", "/v1/"),
        }

    run()  # the first load
    sb.control("POST", "clock", {"advance_seconds": 3600})
    customers = [r["id"] for r in sb.control("GET", "objects/customers?limit=100000")["data"]]
    n = sum(int(sb.control("GET", f"objects/{t}/count")["count"]) for t in REMOVAL_OBJECTS)
    print(f"{n} records of {', '.join(REMOVAL_OBJECTS)}; a rerun after d customers deleted:")
    print(f"{'d':>5} {'searches':>9} {'archive':>8} {'GETs':>6}  (5 objects)")
    for d in (int(x) for x in args.deletions.split(",")):
        doomed, customers = customers[:d], customers[d:]
        if doomed:
            sb.control("POST", "deletes", {"object": "customers", "ids": doomed})
        sb.control("POST", "clock", {"advance_seconds": 60})
        got = run()
        print(f"{d:>5} {got['search']:>9} {got['archive']:>8} {got['get']:>6}")


def command_env(sb: Sandbox) -> dict[str, str]:
    """The environment the command runs in against the sandbox: its host and key, and the
    repository's `.dlt/config.toml`, as a user has it."""
    return {
        **os.environ,
        "SOURCES__KUSTOMER__API_KEY": sb.token,
        "SOURCES__KUSTOMER__BASE_URL": sb.base_url,
        "RUNTIME__LOG_LEVEL": "WARNING",
        "DLT_PROJECT_DIR": str(ROOT),
    }


def count_resumed_first_load(args: argparse.Namespace, sb: Sandbox, workdir: Path) -> None:
    """A first load through the command in one package, in chunks, and in chunks killed with -9
    after half its requests and run again (see the module docstring)."""
    env = command_env(sb)
    script = str(ROOT / "pipelines" / "kustomer_pipeline.py")

    def command(name: str, chunked: bool) -> list[str]:
        (workdir / name).mkdir(exist_ok=True)
        chunks = ["--first-load-chunk-records", str(args.chunk_records if chunked else 0)]
        objects = ["--objects", ",".join(REMOVAL_OBJECTS)]
        return [sys.executable, script, "--pipelines-dir", str(workdir / name), *objects, *chunks]

    def requests() -> int:
        return int(sb.control("GET", "stats")["requests"])

    def run(name: str, chunked: bool, kill_at: int | None = None) -> tuple[int, float]:
        sb.reset_stats()
        began = time.monotonic()
        proc = subprocess.Popen(
            command(name, chunked), cwd=workdir / name, env=env, stdout=subprocess.DEVNULL
        )
        while kill_at is not None and proc.poll() is None and requests() < kill_at:
            time.sleep(0.05)
        if kill_at is not None:
            proc.kill()
        if proc.wait() != 0 and kill_at is None:
            raise SystemExit(f"the {name} load failed")
        return requests(), time.monotonic() - began

    whole, whole_s = run("one_package", chunked=False)
    chunked, chunked_s = run("chunked", chunked=True)
    killed_at, _ = run("killed", chunked=True, kill_at=chunked // 2)
    rerun, rerun_s = run("killed", chunked=True)
    lost_at, _ = run("lost", chunked=True, kill_at=chunked // 2)
    for kept in (workdir / "lost").iterdir():  # the destination alone is left
        if kept.is_dir():
            shutil.rmtree(kept)
    lost, lost_s = run("lost", chunked=True)
    print(f"{'first load':<34}{'requests':>9}{'seconds':>9}")
    print(f"{'one package':<34}{whole:>9}{whole_s:>9.1f}")
    print(f"{f'chunks of {args.chunk_records} records':<34}{chunked:>9}{chunked_s:>9.1f}")
    print(f"{'chunks, killed (-9) after':<34}{killed_at:>9}")
    print(f"{'  the rerun':<34}{rerun:>9}{rerun_s:>9.1f}")
    print(f"{'chunks, killed (-9) after':<34}{lost_at:>9}")
    print(f"{'  the rerun without its directory':<34}{lost:>9}{lost_s:>9.1f}")
    print(f"rerun / whole chunked load: {rerun / chunked:.0%} of its requests")
    print(f"rerun / one-package load: {rerun / whole:.0%} of its requests")
    print(f"rerun without the directory / whole chunked load: {lost / chunked:.0%}")


def measure_overlap(args: argparse.Namespace, workdir: Path) -> None:
    """First loads of every object through the command at each of --scales, in one package and
    in chunks: the span of their requests against their wall time, and their peak memory."""
    script = str(ROOT / "pipelines" / "kustomer_pipeline.py")
    rows: list[str] = []
    for scale in [int(s) for s in args.scales.split(",")]:
        args.scale = scale
        with sandbox_process(args) as sb:
            env = {**command_env(sb), "SOURCES__KUSTOMER__RATE_LIMIT_SHARE": str(args.share)}
            for kind in args.first_loads.split(","):
                name = f"s{scale}_{kind}"
                (workdir / name).mkdir()
                setting = {"one": "0", "chunks": str(args.chunk_records)}.get(kind)
                chunks = ["--first-load-chunk-records", setting] if setting else []  # auto
                command = [sys.executable, script, "--pipelines-dir", str(workdir / name), *chunks]
                sb.reset_stats()
                began = time.monotonic()
                proc = subprocess.Popen(
                    command, cwd=workdir / name, env=env, stdout=subprocess.DEVNULL
                )
                with PeakMemory(root=proc.pid) as memory:
                    if proc.wait() != 0:
                        raise SystemExit(f"the {name} load failed")
                wall = time.monotonic() - began
                stats = sb.stats()
                span = float(stats["last_request_at"]) - float(stats["first_request_at"])
                records = count_records(
                    str(workdir / name / "kustomer.duckdb"),
                    "kustomer_data",
                    [o.table for o in OBJECTS],
                )
                how = {
                    "one": "one package",
                    "chunks": f"chunks of {args.chunk_records:,} records",
                }.get(kind, "auto")
                rows.append(
                    f"{scale:>7} {records:>9} {how:<20} {stats['requests']:>9} {span:>7.1f} "
                    f"{wall:>7.1f} {wall / span:>6.2f} {memory.peak / 2**20:>8.0f}"
                )
                print(rows[-1], flush=True)
                shutil.rmtree(workdir / name, ignore_errors=True)
    print(f"{'scale':>7} {'records':>9} {'first load':<20} {'requests':>9} {'span s':>7} "
          f"{'wall s':>7} {'ratio':>6} {'peak MiB':>8}")  # fmt: skip
    print("\n".join(rows))


if __name__ == "__main__":
    main()
