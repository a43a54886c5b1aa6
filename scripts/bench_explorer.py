"""Benchmark the schema explorer and print a Markdown table of medians.

Usage: .venv/bin/python scripts/bench_explorer.py [REPEATS]

Measured:

* warm class page: server time of ``/classes/script_activity`` with every
  profile of the class selected, through the Flask test client after one
  warm-up request (no network);
* search: the catalog search alone and the full ``/search`` page, over a fixed
  set of queries;
* cold start: a new ``ocsf-workbench serve`` process on 127.0.0.1, from start
  until the home page responds;
* memory: resident set size of a new process after loading every packaged
  release (and its search index), and before loading any;
* local checkout (only when OCSF_SCHEMA_SOURCES is set): compiling its ``dev``
  tree, and the per-request check that its files did not change.

Each figure is the median of REPEATS runs (default 20; cold start and memory
use REPEATS // 4, at least 3).
"""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp import create_app  # noqa: E402
from webapp.catalog import Catalog  # noqa: E402
from webapp.catalog.local import compile_checkout  # noqa: E402
from webapp.catalog.search import search  # noqa: E402
from webapp.catalog.sources import fingerprint  # noqa: E402

QUERIES = ["script", "powershell", "process", "1009", "security control", "hash", "x"]
MEMORY_PROBE = """
import resource, sys
from webapp.catalog import Catalog
from webapp.catalog.search import search
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
catalog = Catalog()
before = rss_mb()
for version in catalog.packaged:
    search(catalog.get(version), "script")
print(before, rss_mb())
"""


def median_ms(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def class_page_ms(repeats: int) -> float:
    app = create_app({"TESTING": True, "LOG_LEVEL": "WARNING", "SCHEMA_SOURCES": ""})
    client = app.test_client()
    profiles = ",".join(app.extensions["catalog"].get().classes["script_activity"].profiles)
    url = f"/classes/script_activity?profiles={profiles}"
    assert client.get(url).status_code == 200
    return median_ms(lambda: client.get(url), repeats)


def search_ms(repeats: int) -> tuple[float, float]:
    app = create_app({"TESTING": True, "LOG_LEVEL": "WARNING", "SCHEMA_SOURCES": ""})
    client = app.test_client()
    release = app.extensions["catalog"].get()
    search(release, "warm-up")
    client.get("/search?q=warm-up")

    def run_queries():
        for query in QUERIES:
            search(release, query)

    def run_pages():
        for query in QUERIES:
            client.get(f"/search?q={query}")

    per_query = len(QUERIES)
    return (median_ms(run_queries, repeats) / per_query,
            median_ms(run_pages, repeats) / per_query)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cold_start_ms() -> float:
    port = free_port()
    environment = {**os.environ, "OCSF_WORKBENCH_SCHEMA_SOURCES": "",
                   "OCSF_WORKBENCH_LOG_LEVEL": "WARNING"}
    command = [str(ROOT / ".venv" / "bin" / "ocsf-workbench"), "serve", "--host",
               "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    if reply.status == 200:
                        return (time.perf_counter() - started) * 1000
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("the server exited before responding") from None
                time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=10)


def memory_mb() -> tuple[float, float]:
    output = subprocess.run([sys.executable, "-c", MEMORY_PROBE], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.split()
    return float(output[0]), float(output[1])


def local_checkout_ms(repeats: int) -> tuple[float, float] | None:
    sources = os.environ.get("OCSF_SCHEMA_SOURCES")
    tree = Path(sources) / "dev" if sources else None
    if tree is None or not tree.is_dir():
        return None
    compile_time = median_ms(lambda: compile_checkout(tree, "local:dev"), max(3, repeats // 4))
    return compile_time, median_ms(lambda: fingerprint(tree), repeats)


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    slow_repeats = max(3, repeats // 4)
    page = class_page_ms(repeats)
    search_alone, search_page = search_ms(repeats)
    cold = statistics.median(cold_start_ms() for _ in range(slow_repeats))
    memory = [memory_mb() for _ in range(slow_repeats)]
    before = statistics.median(m[0] for m in memory)
    loaded = statistics.median(m[1] for m in memory)
    local = local_checkout_ms(repeats)
    releases = len(Catalog().packaged)

    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}, "
          f"{repeats} repeats")
    print()
    print("| Measure | Median |")
    print("|---|---|")
    print(f"| Warm class page, Script Activity with all profiles | {page:.1f} ms |")
    print(f"| Search, catalog only, per query | {search_alone:.2f} ms |")
    print(f"| Search page `/search?q=`, per query | {search_page:.1f} ms |")
    print(f"| Cold start to first page (`ocsf-workbench serve`) | {cold:.0f} ms |")
    print(f"| Memory, all {releases} packaged releases and search indexes loaded | "
          f"{loaded:.0f} MB RSS ({before:.0f} MB before loading) |")
    if local:
        print(f"| Local checkout `dev`: compile | {local[0]:.0f} ms |")
        print(f"| Local checkout `dev`: unchanged-files check per request | "
              f"{local[1]:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
