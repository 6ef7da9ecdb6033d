"""Benchmarks: the agent against curl, same local nginx, same run.

Why this exists: the agent's promise is that it streams big files as fast as curl
does, with small and flat memory, and that a trigger over thousands of small files
costs little per file.  Two parts, each skipped when its list is empty:
- one large file per size in BENCH_SIZES / --sizes (default "1G"): curl -T and the
  agent (full MQTT path) alternating; the median time ratio agent/curl and the agent's
  memory (idle, peak VmHWM, peak RssAnon sampled every 50 ms), with the limits of the
  durable-journal issue (ratio <= 1.0, RssAnon flat);
- many 16 KiB files per count in BENCH_FILES / --files (default "1000 2000 10000"):
  see many_files.py; at 2,000 files also as one tar.gz;
- concurrent large files, BENCH_PARALLEL / --parallel (default "4x256M"): that many files
  of that size in one trigger, against `curl --parallel` (many_files.py, large mode);
- one large file over HTTPS per size in BENCH_TLS / --tls (default "512M"): the same nginx
  with a self-signed certificate (the agent trusts it through `serverCert`, curl through
  --cacert), as real pre-signed URLs are; here encryption, not the copy, costs the CPU.

Run through scripts/bench.sh.  Environment: AGENT_BIN, BENCH_PAIRS (5), BENCH_CURL_RUNS
(3, curl runs per file count), BENCH_FILES_TIMEOUT (seconds per file count; default 180
up to 2,000 files, 600 above), BENCH_AGENT_CONFIG (JSON object merged into the agent's
config), BENCH_DIR (a work folder; default a new one in /tmp), BENCH_STORE (where nginx
writes; default a folder in /dev/shm when it has room, so disk write-back does not add
noise to both sides), BENCH_KEEP=1 (keep the work folder), BENCH_JSON=<file> (also write
the results as JSON: {"sizes": [...], "files": [...]}), BENCH_CURL_ONLY=1 (skip the
agent: checks the nginx set-up and curl figures only), BENCH_AGENT_MODE=mqtt (default:
the daemon driven over MQTT) or cli (`file-upload-agent upload FILE`, one process per
upload: the transfer engine alone, no MQTT, no idle figure; large files only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agent_process import clean_environment, start_agent, stop_agent
from local_services import Mosquitto, WebDAVNginx, stop
from many_files import ManyFilesBench
from many_files import print_report as print_files_report
from memory_sampler import MemorySampler, read_status_kib
from process_cpu import process_cpu_seconds
from report_row import row

MIB = 1024 * 1024
# Limits of the durable-journal issue for one large generic upload.
TARGET_RATIO = 1.0               # agent wall <= curl's, same run (median of pairs)
TARGET_ANON_GROWTH_MIB = 8       # peak RssAnon - idle RssAnon: memory does not follow the file
TARGET_ANON_SPREAD_MIB = 4       # peak RssAnon alike for every file size
UNITS = {"K": 1024, "M": MIB, "G": 1024 * MIB}


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def make_file(path: Path, size: int) -> str:
    """Writes `size` pseudo-random bytes (incompressible) and returns their sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    block = 4 * MIB
    with open(path, "wb") as out:
        left = size
        while left:
            data = os.urandom(min(block, left))
            digest.update(data)
            out.write(data)
            left -= len(data)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(4 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Run:
    size_label: str        # "1G", or "512M TLS" over HTTPS
    pair: int
    tool: str
    seconds: float
    peak_rss_kib: int = 0        # agent: sampled VmRSS peak; curl: ru_maxrss
    peak_rss_anon_kib: int = 0   # agent only
    cpu_seconds: float = 0.0     # user + system: curl's rusage, the agent's /proc delta


@dataclass
class SizeResult:
    label: str
    size: int
    runs: list = field(default_factory=list)
    idle_rss_kib: int = 0
    idle_rss_anon_kib: int = 0
    peak_vm_hwm_kib: int = 0
    peak_rss_anon_kib: int = 0
    curl_max_rss_kib: int = 0

    def seconds(self, tool: str) -> list[float]:
        return [r.seconds for r in self.runs if r.tool == tool]

    def cpu(self, tool: str) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs if r.tool == tool)

    def ratios(self) -> list[float]:
        by_pair: dict[int, dict[str, float]] = {}
        for run in self.runs:
            by_pair.setdefault(run.pair, {})[run.tool] = run.seconds
        return [p["agent"] / p["curl"] for p in by_pair.values() if "agent" in p and "curl" in p]


class Bench:
    def __init__(self, work: Path, store: Path, agent_bin: Path | None, pairs: int,
                 agent_mode: str = "mqtt") -> None:
        self.work = work
        self.agent_bin = agent_bin
        self.pairs = pairs
        self.agent_mode = agent_mode
        self.nginx = WebDAVNginx(work / "nginx", store)
        self.broker = Mosquitto(work / "mosquitto") if agent_bin and agent_mode == "mqtt" else None
        self.failures: list[str] = []

    # -- one curl upload --------------------------------------------------------------
    def curl_upload(self, source: Path, url: str) -> tuple[float, int, float]:
        command = ["curl", "-sS", "--fail", "--noproxy", "*", "-T", str(source), url,
                   "-o", "/dev/null"]
        if url.startswith("https:"):
            command += ["--cacert", str(self.nginx.certificate)]
        started = time.monotonic()
        process = subprocess.Popen(command, env=clean_environment())
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"curl -T {url} exited {process.returncode}")
        return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime

    # -- the agent --------------------------------------------------------------------
    def cli_upload(self, source: Path, url: str) -> tuple[float, "MemorySampler", float]:
        """`file-upload-agent upload FILE --provider generic`: the engine without MQTT."""
        options = self.work / "cli-options.json"
        options.write_text(json.dumps({"https.url": url, "https.method": "PUT"}))
        command = [str(self.agent_bin), "upload", str(source), "--provider", "generic",
                   "--options-file", str(options)]
        if url.startswith("https:"):
            config = self.work / "cli-config.json"
            config.write_text(json.dumps({"serverCert": str(self.nginx.certificate)}))
            command += ["--config", str(config)]
        started = time.monotonic()
        process = subprocess.Popen(command, env=clean_environment(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with MemorySampler(process.pid, 0.05) as sampler:
            stderr = process.stderr.read()
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"agent upload exited {process.returncode}: "
                               f"{stderr.decode(errors='replace').strip()}")
        return elapsed, sampler, usage.ru_utime + usage.ru_stime

    def start_agent(self, label: str, source: Path, tls: bool = False):
        from agent_driver import AgentDriver

        folder = self.work / "agent" / label.replace(" ", "-")
        config = {"broker": self.broker.broker, "deviceId": "bench:device", "tenantId": "bench",
                  "files": str(source), "mode": "strict", "logLevel": "INFO"}
        if tls:
            config["serverCert"] = str(self.nginx.certificate)
        process = start_agent(self.agent_bin, folder, config)
        driver = AgentDriver(self.broker.port, "bench:device", "bench")
        try:
            driver.wait_registered(timeout=30)
        except Exception:
            stop(process)
            raise RuntimeError(f"the agent did not register; see {folder / 'agent.log'}")
        return process, driver, folder

    def stop_agent(self, process: subprocess.Popen, folder: Path) -> None:
        problem = stop_agent(process, folder)
        if problem:
            self.failures.append(problem)

    # -- checks -----------------------------------------------------------------------
    def check_arrived(self, path: Path, size: int, expected_sha: str | None, what: str) -> None:
        actual = path.stat().st_size if path.exists() else -1
        if actual != size:
            self.failures.append(f"{what}: nginx stored {actual} bytes, expected {size}")
        elif expected_sha is not None and sha256_of(path) != expected_sha:
            self.failures.append(f"{what}: sha256 of the stored file differs from the source")
        path.unlink(missing_ok=True)

    # -- one size -----------------------------------------------------------------------
    def run_size(self, size_label: str, tls: bool = False) -> SizeResult:
        size = parse_size(size_label)
        label = f"{size_label} TLS" if tls else size_label
        result = SizeResult(label, size)
        source = self.work / "data" / label.replace(" ", "-") / f"bench-{size_label}.bin"
        print(f"[{label}] writing {size} random bytes to {source} ...", flush=True)
        source_sha = make_file(source, size)
        timeout = 120 + size / (20 * MIB)

        agent = driver = folder = None
        if self.agent_bin and self.agent_mode == "mqtt":
            agent, driver, folder = self.start_agent(label, source, tls)
            time.sleep(1.0)  # let start-up settle before measuring idle memory
            idle = read_status_kib(agent.pid)
            result.idle_rss_kib, result.idle_rss_anon_kib = idle["VmRSS"], idle.get("RssAnon", 0)
            print(f"[{label}] agent pid {agent.pid} idle: RSS {mib(result.idle_rss_kib)} MiB, "
                  f"RssAnon {mib(result.idle_rss_anon_kib)} MiB", flush=True)
        try:
            # one untimed upload first: nginx, the disk and the page cache warm up
            warm_up = f"warm-up/{size_label}.bin"
            os.sync()
            self.curl_upload(source, self.nginx.url(warm_up, tls))
            self.check_arrived(self.nginx.root / warm_up, size, None, f"{label} warm-up")
            for pair in range(1, self.pairs + 1):
                tools = ["curl", "agent"] if pair % 2 else ["agent", "curl"]
                if not self.agent_bin:
                    tools = ["curl"]
                for tool in tools:
                    target = f"{tool}/{label.replace(' ', '-')}/run{pair}.bin"
                    os.sync()  # do not make one tool pay for the other's dirty pages
                    if tool == "curl":
                        seconds, max_rss, cpu = self.curl_upload(source, self.nginx.url(target, tls))
                        run = Run(label, pair, "curl", seconds, peak_rss_kib=max_rss, cpu_seconds=cpu)
                        result.curl_max_rss_kib = max(result.curl_max_rss_kib, max_rss)
                    elif self.agent_mode == "cli":
                        seconds, sampler, cpu = self.cli_upload(source, self.nginx.url(target, tls))
                        run = Run(label, pair, "agent", seconds,
                                  peak_rss_kib=sampler.peaks.rss_kib,
                                  peak_rss_anon_kib=sampler.peaks.rss_anon_kib, cpu_seconds=cpu)
                        result.peak_rss_anon_kib = max(result.peak_rss_anon_kib,
                                                       sampler.peaks.rss_anon_kib)
                        result.peak_vm_hwm_kib = max(result.peak_vm_hwm_kib,
                                                     sampler.peaks.vm_hwm_kib)
                    else:
                        cpu_before = process_cpu_seconds(agent.pid)
                        with MemorySampler(agent.pid, 0.05) as sampler:
                            upload = driver.upload(self.nginx.url(target, tls), timeout=timeout)
                        run = Run(label, pair, "agent", upload.seconds,
                                  peak_rss_kib=sampler.peaks.rss_kib,
                                  peak_rss_anon_kib=sampler.peaks.rss_anon_kib,
                                  cpu_seconds=process_cpu_seconds(agent.pid) - cpu_before)
                        result.peak_rss_anon_kib = max(result.peak_rss_anon_kib,
                                                       sampler.peaks.rss_anon_kib)
                        result.peak_vm_hwm_kib = max(result.peak_vm_hwm_kib,
                                                     sampler.peaks.vm_hwm_kib)
                    result.runs.append(run)
                    print(f"[{label}] pair {pair} {tool:5s} {run.seconds:8.3f} s "
                          f"{size / MIB / run.seconds:8.1f} MiB/s, CPU {run.cpu_seconds:.2f} s", flush=True)
                    verify_sha = source_sha if pair == 1 else None
                    self.check_arrived(self.nginx.root / target, size, verify_sha,
                                       f"{label} pair {pair} {tool}")
            if agent is not None:
                result.peak_vm_hwm_kib = max(result.peak_vm_hwm_kib,
                                             read_status_kib(agent.pid)["VmHWM"])
        finally:
            if agent is not None:
                driver.close()
                self.stop_agent(agent, folder)
            source.unlink(missing_ok=True)
        return result

    def run(self, labels: list[str], tls_labels: list[str] = ()) -> list[SizeResult]:
        self.nginx.start()
        if self.broker:
            self.broker.start()
        try:
            return [self.run_size(label) for label in labels] \
                + [self.run_size(label, tls=True) for label in tls_labels]
        finally:
            self.nginx.stop()
            if self.broker:
                self.broker.stop()


def print_report(results: list[SizeResult], agent: bool, agent_mode: str) -> None:
    print()
    if agent_mode == "cli":
        print("Per run (wall seconds; agent: `file-upload-agent upload` process, start to exit)")
    else:
        print("Per run (wall seconds; agent: from `start` sent to lastUpload SUCCESS received)")
    print(f"{'size':>9} {'pair':>4} {'tool':>6} {'seconds':>9} {'MiB/s':>8} {'peak RSS MiB':>13} "
          f"{'peak RssAnon MiB':>17}")
    for result in results:
        for run in result.runs:
            anon = mib(run.peak_rss_anon_kib) if run.tool == "agent" else "-"
            print(f"{run.size_label:>9} {run.pair:>4} {run.tool:>6} {run.seconds:9.3f} "
                  f"{result.size / MIB / run.seconds:8.1f} {mib(run.peak_rss_kib):>13} {anon:>17}")
    print()
    print("Summary (medians over the pairs; memory in MiB)")
    header = (f"{'size':>9} {'curl s':>8} {'agent s':>8} {'agent/curl':>10} {'curl CPU':>8} "
              f"{'agent CPU':>9} {'idle RSS':>9} "
              f"{'idle Anon':>9} {'peak VmHWM':>10} {'peak Anon':>9} {'curl maxRSS':>11}")
    print(header)
    print("-" * len(header))
    for result in results:
        curl_median = statistics.median(result.seconds("curl"))
        if agent:
            agent_median = statistics.median(result.seconds("agent"))
            ratio = statistics.median(result.ratios())
            idle_rss = mib(result.idle_rss_kib) if agent_mode == "mqtt" else "-"
            idle_anon = mib(result.idle_rss_anon_kib) if agent_mode == "mqtt" else "-"
            print(f"{result.label:>9} {curl_median:8.3f} {agent_median:8.3f} {ratio:10.3f} "
                  f"{result.cpu('curl'):8.2f} {result.cpu('agent'):9.2f} {idle_rss:>9} {idle_anon:>9} "
                  f"{mib(result.peak_vm_hwm_kib):>10} {mib(result.peak_rss_anon_kib):>9} "
                  f"{mib(result.curl_max_rss_kib):>11}")
        else:
            print(f"{result.label:>9} {curl_median:8.3f} {'-':>8} {'-':>10} {result.cpu('curl'):8.2f} "
                  f"{'-':>9} {'-':>9} {'-':>9} "
                  f"{'-':>10} {'-':>9} {mib(result.curl_max_rss_kib):>11}")
    if agent:
        print()
        print("Agent peak RssAnon by file size: " + ", ".join(
            f"{r.label}: {mib(r.peak_rss_anon_kib)} MiB" for r in results))
        print_targets(results)


def print_targets(results: list[SizeResult]) -> None:
    """The limits of the durable-journal issue: the agent no slower than curl, memory flat."""
    print()
    print("Targets (the journal must not cost throughput; FAIL marks do not fail the run)")
    for result in results:
        ratio = statistics.median(result.ratios())
        print(row(f"{result.label} wall", f"agent/curl {ratio:.3f} (median of "
                  f"{len(result.ratios())} pairs)", f"ratio <= {TARGET_RATIO:g}",
                  ratio <= TARGET_RATIO))
        if result.idle_rss_anon_kib:
            growth = result.peak_rss_anon_kib - result.idle_rss_anon_kib
            print(row(f"{result.label} RssAnon", f"peak {mib(result.peak_rss_anon_kib)} MiB, "
                      f"idle {mib(result.idle_rss_anon_kib)} MiB, growth {mib(growth)} MiB",
                      f"growth <= {TARGET_ANON_GROWTH_MIB} MiB",
                      growth <= TARGET_ANON_GROWTH_MIB * 1024))
    if len(results) > 1:
        peaks = [r.peak_rss_anon_kib for r in results]
        spread = max(peaks) - min(peaks)
        print(row("RssAnon by size", f"peak RssAnon spread over {len(results)} sizes "
                  f"{mib(spread)} MiB", f"spread <= {TARGET_ANON_SPREAD_MIB} MiB",
                  spread <= TARGET_ANON_SPREAD_MIB * 1024))


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench.sh", description="Upload benchmarks: the agent against curl, "
        "same local nginx, same run. Arguments override the BENCH_* variables.")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "1G"),
                        help='one large file per size, e.g. "1G 4G"; "" skips (BENCH_SIZES)')
    parser.add_argument("--files", default=os.environ.get("BENCH_FILES", "1000 2000 10000"),
                        help='many 16 KiB files per trigger, e.g. "1000 10000"; "" skips '
                        "(BENCH_FILES)")
    parser.add_argument("--parallel", default=os.environ.get("BENCH_PARALLEL", "4x256M"),
                        help='concurrent large files as <count>x<size>, e.g. "4x256M"; "" skips '
                        "(BENCH_PARALLEL)")
    parser.add_argument("--tls", default=os.environ.get("BENCH_TLS", "512M"),
                        help='one large file over HTTPS per size, e.g. "512M"; "" skips (BENCH_TLS)')
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    repo = Path(__file__).resolve().parents[2]
    arguments = parse_arguments(argv)
    labels = arguments.sizes.split()
    tls_labels = arguments.tls.split()
    try:
        file_counts = [int(count) for count in arguments.files.split()]
    except ValueError:
        print(f"bench: file counts must be whole numbers: {arguments.files!r}", file=sys.stderr)
        return 2
    parallel = None
    if arguments.parallel:
        count, _, size = arguments.parallel.partition("x")
        try:
            parallel = (int(count), parse_size(size))
        except ValueError:
            print(f"bench: --parallel must be <count>x<size>, e.g. 4x256M: {arguments.parallel!r}", file=sys.stderr)
            return 2
    pairs = int(os.environ.get("BENCH_PAIRS", "5"))
    curl_runs = int(os.environ.get("BENCH_CURL_RUNS", "3"))
    files_timeout = float(os.environ.get("BENCH_FILES_TIMEOUT") or 0) or None
    curl_only = os.environ.get("BENCH_CURL_ONLY") == "1"
    agent_mode = os.environ.get("BENCH_AGENT_MODE", "mqtt")
    if agent_mode not in ("mqtt", "cli"):
        print("bench: BENCH_AGENT_MODE must be mqtt or cli", file=sys.stderr)
        return 2
    agent_bin = Path(os.environ.get("AGENT_BIN") or repo / ".build/release/file-upload-agent")
    if not curl_only and not os.access(agent_bin, os.X_OK):
        print(f"bench: agent binary not found at {agent_bin}; build it with "
              f"`swift build -c release` or set AGENT_BIN (BENCH_CURL_ONLY=1 runs curl only)",
              file=sys.stderr)
        return 2
    if pairs < 1 or curl_runs < 1 or any(count < 1 for count in file_counts):
        print("bench: BENCH_PAIRS, BENCH_CURL_RUNS and file counts must be at least 1",
              file=sys.stderr)
        return 2
    if not labels and not tls_labels and not file_counts and not parallel:
        print("bench: nothing to run (no sizes, no file counts)", file=sys.stderr)
        return 2
    need_broker = not curl_only and (file_counts or parallel or agent_mode == "mqtt")
    for tool in ("nginx", "curl") + (("mosquitto",) if need_broker else ()):
        if not (shutil.which(tool) or Path("/usr/sbin", tool).exists()):
            print(f"bench: {tool} is not installed", file=sys.stderr)
            return 2
    given = os.environ.get("BENCH_DIR")
    work = Path(given) if given else Path(tempfile.mkdtemp(prefix="file-upload-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    largest = max([parse_size(label) for label in labels + tls_labels] + [max(file_counts, default=0) * 16384]
                  + [parallel[0] * parallel[1] if parallel else 0])
    if shutil.disk_usage(work).free < largest + 256 * MIB:
        print(f"bench: {work} has not room for {largest // MIB} MiB of files", file=sys.stderr)
        return 2
    store = Path(os.environ["BENCH_STORE"]) if os.environ.get("BENCH_STORE") else None
    if store is None:
        shm = Path("/dev/shm")
        roomy = shm.is_dir() and shutil.disk_usage(shm).free > 2 * largest + 512 * MIB
        store = Path(tempfile.mkdtemp(prefix="file-upload-bench-nginx-", dir=shm)) if roomy \
            else work / "nginx-store"
    store.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(store).free < largest + 256 * MIB:
        print(f"bench: {store} has not room for {largest // MIB} MiB of uploads", file=sys.stderr)
        return 2
    print(f"bench: work folder {work}; nginx stores in {store}; sizes {' '.join(labels) or '-'} "
          f"({pairs} pairs); file counts {' '.join(map(str, file_counts)) or '-'}; agent "
          f"{'(skipped)' if curl_only else f'{agent_bin} ({agent_mode})'}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs", flush=True)
    bench = Bench(work, store, None if curl_only else agent_bin, pairs, agent_mode)
    many = ManyFilesBench(work, store, None if curl_only else agent_bin, curl_runs)
    results: list[SizeResult] = []
    concurrent = ManyFilesBench(work, store, None if curl_only else agent_bin, curl_runs,
                                file_size=parallel[1]) if parallel else None
    file_results = []
    parallel_results = []
    try:
        if labels or tls_labels:
            results = bench.run(labels, tls_labels)
        if file_counts:
            file_results = many.run(file_counts, files_timeout)
        if concurrent:
            parallel_results = concurrent.run([parallel[0]], files_timeout)
    except BaseException:
        print(f"bench: kept {work} (logs, configs) for inspection", file=sys.stderr)
        raise
    finally:
        if not store.is_relative_to(work):
            shutil.rmtree(store, ignore_errors=True)  # what nginx stored
    failures = bench.failures + many.failures + (concurrent.failures if concurrent else [])
    if failures or os.environ.get("BENCH_KEEP") == "1":
        print(f"bench: kept {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if results:
        print_report(results, agent=not curl_only, agent_mode=agent_mode)
    if file_results:
        print_files_report(file_results, agent=not curl_only, curl_runs=curl_runs)
    if parallel_results:
        print_files_report(parallel_results, agent=not curl_only, curl_runs=curl_runs)
    print(f"\nload average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(other processes on the machine add noise)")
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps({
            "sizes": [dict(asdict(r), ratios=r.ratios()) for r in results],
            "files": [asdict(r) for r in file_results],
            "parallel": [asdict(r) for r in parallel_results]}, indent=2))
    if failures:
        print("\nFAILED checks:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
