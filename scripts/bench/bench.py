"""Benchmark: the agent (full MQTT path) against `curl -T`, same file, same local nginx.

Why this exists: the agent's promise is that it streams big files as fast as curl
does, with small and flat memory.  This runs both, alternating, on one machine and
prints the median time ratio agent/curl and the agent's memory (idle, peak VmHWM,
peak RssAnon sampled every 50 ms) per file size.

Run through scripts/bench.sh.  Environment: AGENT_BIN, BENCH_SIZES ("1G", "1G 4G"),
BENCH_PAIRS (5), BENCH_DIR (a work folder; default a new one in /tmp), BENCH_STORE
(where nginx writes; default a folder in /dev/shm when it has room, so disk write-back
does not add noise to both sides), BENCH_KEEP=1 (keep the work folder),
BENCH_JSON=<file> (also write the results as JSON), BENCH_CURL_ONLY=1 (skip the agent:
checks the nginx set-up and curl figures only), BENCH_AGENT_MODE=mqtt (default: the
daemon driven over MQTT) or cli (`file-upload-agent upload FILE`, one process per
upload: the transfer engine alone, no MQTT, no idle figure).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from local_services import Mosquitto, WebDAVNginx, stop
from memory_sampler import MemorySampler, read_status_kib

MIB = 1024 * 1024
UNITS = {"K": 1024, "M": MIB, "G": 1024 * MIB}
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                   "ALL_PROXY")


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def clean_environment() -> dict:
    return {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}


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
    size_label: str
    pair: int
    tool: str
    seconds: float
    peak_rss_kib: int = 0        # agent: sampled VmRSS peak; curl: ru_maxrss
    peak_rss_anon_kib: int = 0   # agent only


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
    def curl_upload(self, source: Path, url: str) -> tuple[float, int]:
        command = ["curl", "-sS", "--fail", "--noproxy", "*", "-T", str(source), url,
                   "-o", "/dev/null"]
        started = time.monotonic()
        process = subprocess.Popen(command, env=clean_environment())
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"curl -T {url} exited {process.returncode}")
        return elapsed, usage.ru_maxrss

    # -- the agent --------------------------------------------------------------------
    def cli_upload(self, source: Path, url: str) -> tuple[float, "MemorySampler"]:
        """`file-upload-agent upload FILE --provider generic`: the engine without MQTT."""
        options = self.work / "cli-options.json"
        options.write_text(json.dumps({"https.url": url, "https.method": "PUT"}))
        command = [str(self.agent_bin), "upload", str(source), "--provider", "generic",
                   "--options-file", str(options)]
        started = time.monotonic()
        process = subprocess.Popen(command, env=clean_environment(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with MemorySampler(process.pid, 0.05) as sampler:
            _, stderr = process.communicate()
            elapsed = time.monotonic() - started
        if process.returncode != 0:
            raise RuntimeError(f"agent upload exited {process.returncode}: "
                               f"{stderr.decode(errors='replace').strip()}")
        return elapsed, sampler

    def start_agent(self, label: str, source: Path):
        from agent_driver import AgentDriver

        folder = self.work / "agent" / label
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "broker": self.broker.broker, "deviceId": "bench:device", "tenantId": "bench",
            "files": str(source), "mode": "strict", "logLevel": "INFO",
            "statusFile": str(folder / "status.json"), "stateDir": str(folder / "state"),
        }
        (folder / "config.json").write_text(json.dumps(config, indent=2))
        log = open(folder / "agent.log", "wb")
        process = subprocess.Popen([str(self.agent_bin), "--config", str(folder / "config.json")],
                                   stdout=log, stderr=subprocess.STDOUT, env=clean_environment())
        driver = AgentDriver(self.broker.port, "bench:device", "bench")
        try:
            driver.wait_registered(timeout=30)
        except Exception:
            stop(process)
            raise RuntimeError(f"the agent did not register; see {folder / 'agent.log'}")
        return process, driver, folder

    def stop_agent(self, process: subprocess.Popen, folder: Path) -> None:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
            self.failures.append(f"agent did not stop within 30 s of SIGTERM ({folder})")
        if code != 0:
            self.failures.append(f"agent exited {code} after SIGTERM; see {folder / 'agent.log'}")

    # -- checks -----------------------------------------------------------------------
    def check_arrived(self, path: Path, size: int, expected_sha: str | None, what: str) -> None:
        actual = path.stat().st_size if path.exists() else -1
        if actual != size:
            self.failures.append(f"{what}: nginx stored {actual} bytes, expected {size}")
        elif expected_sha is not None and sha256_of(path) != expected_sha:
            self.failures.append(f"{what}: sha256 of the stored file differs from the source")
        path.unlink(missing_ok=True)

    # -- one size -----------------------------------------------------------------------
    def run_size(self, label: str) -> SizeResult:
        size = parse_size(label)
        result = SizeResult(label, size)
        source = self.work / "data" / label / f"bench-{label}.bin"
        print(f"[{label}] writing {size} random bytes to {source} ...", flush=True)
        source_sha = make_file(source, size)
        timeout = 120 + size / (20 * MIB)

        agent = driver = folder = None
        if self.agent_bin and self.agent_mode == "mqtt":
            agent, driver, folder = self.start_agent(label, source)
            time.sleep(1.0)  # let start-up settle before measuring idle memory
            idle = read_status_kib(agent.pid)
            result.idle_rss_kib, result.idle_rss_anon_kib = idle["VmRSS"], idle.get("RssAnon", 0)
            print(f"[{label}] agent pid {agent.pid} idle: RSS {mib(result.idle_rss_kib)} MiB, "
                  f"RssAnon {mib(result.idle_rss_anon_kib)} MiB", flush=True)
        try:
            # one untimed upload first: nginx, the disk and the page cache warm up
            warm_up = f"warm-up/{label}.bin"
            os.sync()
            self.curl_upload(source, self.nginx.url(warm_up))
            self.check_arrived(self.nginx.root / warm_up, size, None, f"{label} warm-up")
            for pair in range(1, self.pairs + 1):
                tools = ["curl", "agent"] if pair % 2 else ["agent", "curl"]
                if not self.agent_bin:
                    tools = ["curl"]
                for tool in tools:
                    target = f"{tool}/{label}/run{pair}.bin"
                    os.sync()  # do not make one tool pay for the other's dirty pages
                    if tool == "curl":
                        seconds, max_rss = self.curl_upload(source, self.nginx.url(target))
                        run = Run(label, pair, "curl", seconds, peak_rss_kib=max_rss)
                        result.curl_max_rss_kib = max(result.curl_max_rss_kib, max_rss)
                    elif self.agent_mode == "cli":
                        seconds, sampler = self.cli_upload(source, self.nginx.url(target))
                        run = Run(label, pair, "agent", seconds,
                                  peak_rss_kib=sampler.peaks.rss_kib,
                                  peak_rss_anon_kib=sampler.peaks.rss_anon_kib)
                        result.peak_rss_anon_kib = max(result.peak_rss_anon_kib,
                                                       sampler.peaks.rss_anon_kib)
                        result.peak_vm_hwm_kib = max(result.peak_vm_hwm_kib,
                                                     sampler.peaks.vm_hwm_kib)
                    else:
                        with MemorySampler(agent.pid, 0.05) as sampler:
                            upload = driver.upload(self.nginx.url(target), timeout=timeout)
                        run = Run(label, pair, "agent", upload.seconds,
                                  peak_rss_kib=sampler.peaks.rss_kib,
                                  peak_rss_anon_kib=sampler.peaks.rss_anon_kib)
                        result.peak_rss_anon_kib = max(result.peak_rss_anon_kib,
                                                       sampler.peaks.rss_anon_kib)
                        result.peak_vm_hwm_kib = max(result.peak_vm_hwm_kib,
                                                     sampler.peaks.vm_hwm_kib)
                    result.runs.append(run)
                    print(f"[{label}] pair {pair} {tool:5s} {run.seconds:8.3f} s "
                          f"{size / MIB / run.seconds:8.1f} MiB/s", flush=True)
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

    def run(self, labels: list[str]) -> list[SizeResult]:
        self.nginx.start()
        if self.broker:
            self.broker.start()
        try:
            return [self.run_size(label) for label in labels]
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
    print(f"{'size':>5} {'pair':>4} {'tool':>6} {'seconds':>9} {'MiB/s':>8} {'peak RSS MiB':>13} "
          f"{'peak RssAnon MiB':>17}")
    for result in results:
        for run in result.runs:
            anon = mib(run.peak_rss_anon_kib) if run.tool == "agent" else "-"
            print(f"{run.size_label:>5} {run.pair:>4} {run.tool:>6} {run.seconds:9.3f} "
                  f"{result.size / MIB / run.seconds:8.1f} {mib(run.peak_rss_kib):>13} {anon:>17}")
    print()
    print("Summary (medians over the pairs; memory in MiB)")
    header = (f"{'size':>5} {'curl s':>8} {'agent s':>8} {'agent/curl':>10} {'idle RSS':>9} "
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
            print(f"{result.label:>5} {curl_median:8.3f} {agent_median:8.3f} {ratio:10.3f} "
                  f"{idle_rss:>9} {idle_anon:>9} "
                  f"{mib(result.peak_vm_hwm_kib):>10} {mib(result.peak_rss_anon_kib):>9} "
                  f"{mib(result.curl_max_rss_kib):>11}")
        else:
            print(f"{result.label:>5} {curl_median:8.3f} {'-':>8} {'-':>10} {'-':>9} {'-':>9} "
                  f"{'-':>10} {'-':>9} {mib(result.curl_max_rss_kib):>11}")
    if agent:
        print()
        print("Agent peak RssAnon by file size: " + ", ".join(
            f"{r.label}: {mib(r.peak_rss_anon_kib)} MiB" for r in results))


def main() -> int:
    repo = Path(__file__).resolve().parents[2]
    labels = os.environ.get("BENCH_SIZES", "1G").split()
    pairs = int(os.environ.get("BENCH_PAIRS", "5"))
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
    if pairs < 1:
        print("bench: BENCH_PAIRS must be at least 1", file=sys.stderr)
        return 2
    for tool in ("nginx", "curl") + (() if curl_only or agent_mode == "cli" else ("mosquitto",)):
        if not (shutil.which(tool) or Path("/usr/sbin", tool).exists()):
            print(f"bench: {tool} is not installed", file=sys.stderr)
            return 2
    given = os.environ.get("BENCH_DIR")
    work = Path(given) if given else Path(tempfile.mkdtemp(prefix="file-upload-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    largest = max(parse_size(label) for label in labels)
    if shutil.disk_usage(work).free < largest + 256 * MIB:
        print(f"bench: {work} has not room for a {largest // MIB} MiB file", file=sys.stderr)
        return 2
    store = Path(os.environ["BENCH_STORE"]) if os.environ.get("BENCH_STORE") else None
    if store is None:
        shm = Path("/dev/shm")
        roomy = shm.is_dir() and shutil.disk_usage(shm).free > 2 * largest + 512 * MIB
        store = Path(tempfile.mkdtemp(prefix="file-upload-bench-nginx-", dir=shm)) if roomy \
            else work / "nginx-store"
    store.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(store).free < largest + 256 * MIB:
        print(f"bench: {store} has not room for a {largest // MIB} MiB upload", file=sys.stderr)
        return 2
    print(f"bench: work folder {work}; nginx stores in {store}; sizes {' '.join(labels)}; "
          f"{pairs} pairs; agent {'(skipped)' if curl_only else f'{agent_bin} ({agent_mode})'}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs",
          flush=True)
    bench = Bench(work, store, None if curl_only else agent_bin, pairs, agent_mode)
    try:
        results = bench.run(labels)
    except BaseException:
        print(f"bench: kept {work} (logs, configs) for inspection", file=sys.stderr)
        raise
    finally:
        if not store.is_relative_to(work):
            shutil.rmtree(store, ignore_errors=True)  # what nginx stored
    if bench.failures or os.environ.get("BENCH_KEEP") == "1":
        print(f"bench: kept {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print_report(results, agent=not curl_only, agent_mode=agent_mode)
    print(f"\nload average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(other processes on the machine add noise; the ratio is a median of pairs)")
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(json.dumps(
            [dict(asdict(r), ratios=r.ratios()) for r in results], indent=2))
    if bench.failures:
        print("\nFAILED checks:", *bench.failures, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
