"""Benchmark: many small files in one trigger, the agent against `curl --parallel`.

Why this exists: data loggers leave thousands of small files behind, and one trigger
covers them all (issue: large triggers).  For each file count N this writes N files of
16 KiB and uploads them to the same local nginx twice in the same run:
- `curl --parallel --parallel-max 4 -K list` (BENCH_CURL_RUNS runs, the median counts);
- the agent over the full protocol: a fresh mosquitto with its default limits, one
  `trigger`, the backend (small_files_backend.py) answering every outbox `request` with
  a `start` (generic PUT, one object path per file), until the parent's `lastUpload`
  ends, or TIMEOUT.
At 2,000 files (BENCH_ARCHIVE_AT) the agent runs once more with `upload.archive: tar.gz`:
the same files as one archive, one request, one object, checked member by member.
The same bench with 4 files of 256 MiB (bench.py --parallel) is the concurrent large-file
case: four transfers at once, wall and CPU against `curl --parallel`.
It prints wall times and their ratio, CPU per file of both, the trigger's response time,
the agent's memory, the files and bytes at nginx, the message counts, and the targets
of the issue with PASS/FAIL next to the measured values (a FAIL does not fail the run).
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agent_process import clean_environment, start_agent, stop_agent
from local_services import Mosquitto, WebDAVNginx
from memory_sampler import MemorySampler, read_status_kib
from process_cpu import process_cpu_seconds
from report_row import row
import native_backend
from native_backend import NativeBackend
from small_files_backend import BackendCounts, SmallFilesBackend

FILE_SIZE = 16 * 1024
MIB = 1024 * 1024
PARALLEL = 4                      # curl's --parallel-max and the agent's default slots
PROGRESS_EVERY = 10.0             # seconds between progress lines while the agent runs
ARCHIVE_AT = int(os.environ.get("BENCH_ARCHIVE_AT", "2000"))  # file count also run as one archive

# Targets of the issue (large triggers); printed next to the figures.
TARGET_RATIO_AT_2000 = 3.0        # 2,000 files: agent wall <= 3 x curl
TARGET_CPU_MS_PER_FILE = 0.5      # agent CPU per file
TARGET_CPU_FLATNESS = 1.5         # CPU per file within 1.5 x between 1,000 and 10,000 files
TARGET_TRIGGER_SECONDS = 1.0      # trigger -> response (stated for 10,000 files)
TARGET_PEAK_RSS_MIB = 64          # peak RSS (VmHWM) (stated for 10,000 files)


def default_timeout(files: int) -> float:
    return 180.0 if files <= 2000 else 600.0


@dataclass
class CurlRun:
    seconds: float
    cpu_seconds: float            # the child's ru_utime + ru_stime
    max_rss_kib: int
    stored: int                   # files at nginx with all their bytes
    exit_code: int


@dataclass
class FilesResult:
    files: int
    timeout: float
    curl_runs: list = field(default_factory=list)
    outcome: str = "NOT RUN"      # SUCCESS, TIMEOUT, FAILED, CANCELED, REFUSED, NOT RUN
    agent_seconds: float = 0.0    # trigger sent -> final lastUpload (or -> timeout)
    agent_cpu_seconds: float = 0.0
    idle_rss_anon_kib: int = 0
    peak_rss_anon_kib: int = 0
    peak_vm_hwm_kib: int = 0
    agent_stored: int = 0         # files at nginx with all their bytes
    agent_objects: int = 0        # objects in the agent's folder at nginx
    objects_at_end: int = 0       # objects there when the run ended (final state or timeout)
    backend: BackendCounts = field(default_factory=BackendCounts)
    backend_cpu_seconds: float = 0.0
    broker_cpu_seconds: float = 0.0
    problems: list = field(default_factory=list)
    archive: bool = False         # this run sent the files as one tar.gz
    stored_bytes: int = 0         # bytes of the objects at nginx
    archive_run: "FilesResult | None" = None
    file_size: int = FILE_SIZE

    @property
    def large(self) -> bool:
        return self.file_size > MIB

    @property
    def curl_seconds(self) -> float:
        return statistics.median(run.seconds for run in self.curl_runs)

    @property
    def curl_cpu_ms_per_file(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.curl_runs) * 1000 / self.files

    @property
    def agent_cpu_ms_per_file(self) -> float:
        return self.agent_cpu_seconds * 1000 / self.files

    @property
    def finished(self) -> bool:
        return self.outcome == "SUCCESS"


def write_files(folder: Path, count: int, size: int = FILE_SIZE) -> list[Path]:
    """`count` files of `size` random bytes, f00001.bin ...; kept when already there."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"f{index:05d}.bin" for index in range(1, count + 1)]
    for path in paths:
        if not (path.exists() and path.stat().st_size == size):
            with open(path, "wb") as out:
                for _ in range(0, size, 4 * MIB):
                    out.write(os.urandom(min(4 * MIB, size)))
                out.truncate(size)
    return paths


def count_stored(sources: list[Path], folder: Path) -> tuple[int, int]:
    """(sources whose bytes are all at `folder/<name>`, objects in `folder`)."""
    if not folder.is_dir():
        return 0, 0
    present = 0
    for source in sources:
        stored = folder / source.name
        try:
            if stored.stat().st_size == source.stat().st_size and same_bytes(stored, source):
                present += 1
        except FileNotFoundError:
            pass
    return present, len(os.listdir(folder))


def same_bytes(a: Path, b: Path) -> bool:
    with open(a, "rb") as left, open(b, "rb") as right:
        while True:
            chunk = left.read(4 * MIB)
            if chunk != right.read(4 * MIB):
                return False
            if not chunk:
                return True


def count_archived(sources: list[Path], folder: Path) -> int:
    """Sources whose bytes are a member of the one tar.gz at `folder` (0 when there is none)."""
    objects = list(folder.iterdir()) if folder.is_dir() else []
    if len(objects) != 1:
        return 0
    try:
        with tarfile.open(fileobj=io.BytesIO(objects[0].read_bytes()), mode="r:gz") as archive:
            members = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    except (tarfile.TarError, OSError, EOFError):
        return 0
    return sum(1 for source in sources if members.get(source.name) == source.read_bytes())


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir()) if folder.is_dir() else 0


def make_backend(port: int, url: str) -> NativeBackend | SmallFilesBackend:
    """bench-backend when built (unless BENCH_BACKEND=paho), else the paho-mqtt one."""
    executable = native_backend.binary()
    if executable and os.environ.get("BENCH_BACKEND", "native") != "paho":
        return NativeBackend(executable, port, "bench:device", "bench", url)
    return SmallFilesBackend(port, "bench:device", "bench", lambda path: f"{url}/{Path(path).name}")


def backend_name() -> str:
    if native_backend.binary() and os.environ.get("BENCH_BACKEND", "native") != "paho":
        return NativeBackend.name
    return "paho-mqtt in the driver, QoS 1"


def objects_in(folder: Path) -> int:
    try:
        return len(os.listdir(folder))
    except FileNotFoundError:
        return 0


class ManyFilesBench:
    def __init__(self, work: Path, store: Path, agent_bin: Path | None, curl_runs: int,
                 file_size: int = FILE_SIZE) -> None:
        self.work = work
        self.file_size = file_size
        self.agent_bin = agent_bin
        self.curl_runs = curl_runs
        self.nginx = WebDAVNginx(work / "nginx-files", store)
        self.failures: list[str] = []

    def target(self, files: int, tool: str) -> tuple[str, Path]:
        """URL prefix and nginx folder of one tool's uploads."""
        return self.nginx.url(f"files/{files}/{tool}"), self.nginx.root / "files" / str(files) / tool

    # -- curl ---------------------------------------------------------------------------------
    def curl_upload(self, sources: list[Path], run: int, timeout: float) -> CurlRun:
        url, folder = self.target(len(sources), f"curl-{run}")
        config = self.work / f"curl-{len(sources)}.list"
        config.write_text("".join(f'upload-file = "{source}"\nurl = "{url}/{source.name}"\n'
                                  'output = "/dev/null"\n' for source in sources))
        command = ["curl", "-sS", "--no-progress-meter", "--fail", "--noproxy", "*", "--parallel",
                   "--parallel-max",
                   str(PARALLEL), "-K", str(config)]
        os.sync()
        started = time.monotonic()
        process = subprocess.Popen(command, env=clean_environment())
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        stored, _ = count_stored(sources, folder)
        shutil.rmtree(folder, ignore_errors=True)
        return CurlRun(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, stored,
                       process.returncode)

    # -- the agent ------------------------------------------------------------------------------
    def agent_upload(self, sources: list[Path], result: FilesResult) -> None:
        files = len(sources)
        url, folder = self.target(files, "agent-archive" if result.archive else "agent")
        base = self.work / f"agent-files-{files}"
        broker = Mosquitto(base / "mosquitto").start()   # fresh, default limits
        backend = agent = None
        try:
            backend = make_backend(broker.port, url)
            agent = start_agent(self.agent_bin, base, {
                "broker": broker.broker, "deviceId": "bench:device", "tenantId": "bench",
                "files": str(sources[0].parent / "*.bin"), "mode": "strict",
                "logLevel": "INFO"})
            if not backend.registered.wait(30):
                raise RuntimeError(f"the agent did not register; see {base / 'agent.log'}")
            time.sleep(1.0)   # let start-up settle before the idle memory reading
            result.idle_rss_anon_kib = read_status_kib(agent.pid).get("RssAnon", 0)
            os.sync()
            self.measure(agent, backend, broker, result, folder)
        finally:
            if agent is not None:
                problem = stop_agent(agent, base, grace=60)
                if problem and result.outcome != "TIMEOUT":
                    result.problems.append(problem)
            if backend is not None:
                backend.close()
            broker.stop()
        result.stored_bytes = folder_bytes(folder)
        if result.archive:
            result.agent_stored, result.agent_objects = count_archived(sources, folder), objects_in(folder)
        else:
            result.agent_stored, result.agent_objects = count_stored(sources, folder)
        shutil.rmtree(folder, ignore_errors=True)

    def measure(self, agent: subprocess.Popen, backend: NativeBackend | SmallFilesBackend, broker: Mosquitto,
                result: FilesResult, folder: Path) -> None:
        """From the trigger to the parent's end (or the timeout); fills `result`."""
        counts = backend.counts
        agent_cpu = process_cpu_seconds(agent.pid)
        backend_cpu = backend.cpu_seconds()
        broker_cpu = process_cpu_seconds(broker.process.pid)
        label = f"[{result.files} files]"
        with MemorySampler(agent.pid, 0.05) as sampler:
            backend.trigger({"upload.archive": "tar.gz"} if result.archive else None)
            deadline = counts.trigger_sent_at + result.timeout
            while not backend.ended.wait(min(PROGRESS_EVERY, max(0.0, deadline - time.monotonic()))):
                now = time.monotonic()
                if agent.poll() is not None:
                    result.problems.append(f"the agent exited {agent.returncode} during the run")
                    break
                print(f"{label} agent {now - counts.trigger_sent_at:5.0f} s: "
                      f"{progress_text(counts, result.files)}, "
                      f"{objects_in(folder)} files at nginx", flush=True)
                if now >= deadline:
                    break
            ended = time.monotonic()
            result.objects_at_end = objects_in(folder)
            result.agent_cpu_seconds = process_cpu_seconds(agent.pid) - agent_cpu
            result.backend_cpu_seconds = backend.cpu_seconds() - backend_cpu
            result.broker_cpu_seconds = process_cpu_seconds(broker.process.pid) - broker_cpu
        if counts.ended_at:
            result.outcome = counts.state
            result.agent_seconds = counts.ended_at - counts.trigger_sent_at
            grace = time.monotonic() + 2.0   # answers to the last starts may trail the end
            while counts.answered_starts < counts.starts and time.monotonic() < grace:
                time.sleep(0.05)
        else:
            result.outcome = "TIMEOUT" if agent.poll() is None else "EXITED"
            result.agent_seconds = ended - counts.trigger_sent_at
        if counts.trigger_status >= 300:
            result.outcome = "REFUSED"
        result.peak_rss_anon_kib = sampler.peaks.rss_anon_kib
        try:
            result.peak_vm_hwm_kib = read_status_kib(agent.pid)["VmHWM"]
        except (FileNotFoundError, KeyError):
            result.peak_vm_hwm_kib = sampler.peaks.vm_hwm_kib
        result.problems.extend(f"backend: {error}" for error in backend.errors[:5])
        result.backend = BackendCounts(**asdict(counts))   # a copy: late messages still count
        print(f"{label} agent: {result.outcome} after {result.agent_seconds:.3f} s; "
              f"{progress_text(counts, result.files)}", flush=True)

    # -- one file count -------------------------------------------------------------------------
    def run_count(self, files: int, timeout: float) -> FilesResult:
        result = FilesResult(files, timeout, file_size=self.file_size)
        print(f"[{files} files] writing {files} files of {self.file_size // 1024} KiB ...", flush=True)
        sources = write_files(self.work / "data" / f"files-{files}-{self.file_size}", files, self.file_size)
        for run in range(1, self.curl_runs + 1):
            curl = self.curl_upload(sources, run, timeout)
            result.curl_runs.append(curl)
            print(f"[{files} files] curl run {run}: {curl.seconds:.3f} s, "
                  f"{curl.cpu_seconds * 1000 / files:.3f} ms CPU per file, "
                  f"{curl.stored}/{files} stored, exit {curl.exit_code}", flush=True)
            if curl.exit_code != 0 or curl.stored != files:
                self.failures.append(f"{files} files: curl run {run} exited {curl.exit_code}, "
                                     f"stored {curl.stored}/{files}")
        if self.agent_bin:
            runs = [result]
            if files == ARCHIVE_AT and self.file_size == FILE_SIZE:
                result.archive_run = FilesResult(files, timeout, archive=True)
                runs.append(result.archive_run)
            for run in runs:
                try:
                    self.agent_upload(sources, run)
                except RuntimeError as error:
                    run.outcome = "ERROR"
                    run.problems.append(str(error))
            if result.archive_run:
                result.problems.extend(f"archive: {problem}" for problem in result.archive_run.problems)
        self.failures.extend(f"{files} files: {problem}" for problem in result.problems)
        shutil.rmtree(sources[0].parent, ignore_errors=True)
        return result

    def run(self, counts: list[int], timeout: float | None) -> list[FilesResult]:
        self.nginx.start()
        try:
            return [self.run_count(files, timeout or default_timeout(files)) for files in counts]
        finally:
            self.nginx.stop()


def progress_text(counts: BackendCounts, files: int) -> str:
    answers = ", ".join(f"{status}: {n}" for status, n in sorted(counts.start_answers.items()))
    return (f"{counts.requests}/{files} requests ({counts.duplicate_requests} duplicate), "
            f"{counts.starts} starts, {counts.answered_starts} answered"
            f"{f' ({answers})' if answers else ''}, "
            f"{counts.last_uploads} lastUpload, state {counts.state or '-'} {counts.progress} %")


# -- the report ---------------------------------------------------------------------------------
def large_rows(r: FilesResult, curl_text: str) -> list[str]:
    """Concurrent large files: wall and CPU of the whole run, beside curl --parallel."""
    curl_cpu = statistics.median(run.cpu_seconds for run in r.curl_runs)
    if not r.finished:
        return [row("wall", f"agent {r.outcome} after {r.agent_seconds:.1f} s, {curl_text}", "SUCCESS", False)]
    return [
        row("wall", f"agent {r.agent_seconds:.3f} s, {curl_text}, ratio {r.agent_seconds / r.curl_seconds:.2f}"),
        row("CPU", f"agent {r.agent_cpu_seconds:.3f} s, curl {curl_cpu:.3f} s, "
            f"ratio {r.agent_cpu_seconds / max(curl_cpu, 1e-9):.2f}"),
        row("agent memory", f"peak VmHWM {r.peak_vm_hwm_kib / 1024:.1f} MiB"),
        row("files at nginx", f"agent {r.agent_stored}/{r.files} with all bytes", "all files, all bytes",
            r.agent_stored == r.files),
    ]


def result_rows(r: FilesResult, agent: bool) -> list[str]:
    curl_times = " ".join(f"{run.seconds:.3f}" for run in r.curl_runs)
    curl_text = f"curl {r.curl_seconds:.3f} s (runs: {curl_times})"
    if agent and r.large:
        return large_rows(r, curl_text)
    if not agent:
        return [row("wall", curl_text), row("CPU per file", f"curl {r.curl_cpu_ms_per_file:.3f} ms")]
    b = r.backend
    ratio = r.agent_seconds / r.curl_seconds
    if r.finished:
        wall = f"agent {r.agent_seconds:.3f} s, {curl_text}, ratio {ratio:.1f}"
        cpu = f"agent {r.agent_cpu_ms_per_file:.3f} ms, curl {r.curl_cpu_ms_per_file:.3f} ms"
    else:
        wall = f"agent {r.outcome} after {r.agent_seconds:.1f} s, {curl_text}"
        done = max(r.objects_at_end, 1)
        cpu = (f"agent {r.agent_cpu_seconds * 1000 / done:.3f} ms per file stored (partial, "
               f"{r.agent_cpu_seconds:.2f} s), curl {r.curl_cpu_ms_per_file:.3f} ms")
    at_2000 = r.files == 2000
    trigger = b.trigger_response_seconds
    nothing_lost = (r.finished and b.requests == r.files and b.duplicate_requests == 0
                    and b.starts == r.files and b.start_answers.get(204, 0) == r.files)
    curl_stored = min(run.stored for run in r.curl_runs)
    return [
        row("wall", wall, f"ratio <= {TARGET_RATIO_AT_2000:g}" if at_2000 else "(target at 2000)",
            (r.finished and ratio <= TARGET_RATIO_AT_2000) if at_2000 else None),
        row("CPU per file", cpu, f"agent <= {TARGET_CPU_MS_PER_FILE} ms",
            r.finished and r.agent_cpu_ms_per_file <= TARGET_CPU_MS_PER_FILE),
        row("trigger response", f"{trigger:.3f} s (status {b.trigger_status})" if trigger is not None
            else "none received", f"<= {TARGET_TRIGGER_SECONDS:g} s",
            trigger is not None and trigger <= TARGET_TRIGGER_SECONDS and b.trigger_status == 204),
        row("agent memory", f"peak VmHWM {r.peak_vm_hwm_kib / 1024:.1f} MiB, RssAnon idle "
            f"{r.idle_rss_anon_kib / 1024:.1f} / peak {r.peak_rss_anon_kib / 1024:.1f} MiB",
            f"VmHWM <= {TARGET_PEAK_RSS_MIB} MiB", r.peak_vm_hwm_kib <= TARGET_PEAK_RSS_MIB * 1024),
        row("files at nginx", f"agent {r.objects_at_end}/{r.files} at the end of the run, "
            f"{r.agent_stored}/{r.files} with all bytes after it stopped ({r.agent_objects} "
            f"objects); curl {curl_stored}/{r.files} with all bytes", "all files, all bytes",
            r.finished and r.agent_stored == r.files == r.agent_objects == r.objects_at_end),
        row("messages", progress_text(b, r.files), "nothing lost", nothing_lost),
        row("backend, broker", f"backend CPU {r.backend_cpu_seconds:.2f} s "
            f"({100 * r.backend_cpu_seconds / max(r.agent_seconds, 1e-9):.0f} % of the agent's "
            f"wall), mosquitto CPU {r.broker_cpu_seconds:.2f} s"),
    ]


def archive_rows(r: FilesResult) -> list[str]:
    """The same files as one tar.gz, beside curl and beside the per-file run."""
    a = r.archive_run
    if a is None:
        return []
    if not a.finished:
        return [row("as one tar.gz", f"agent {a.outcome} after {a.agent_seconds:.1f} s", "SUCCESS", False)]
    per_file = f", per-file agent {r.agent_seconds:.3f} s" if r.finished else ""
    wall = (f"agent {a.agent_seconds:.3f} s{per_file}, curl {r.curl_seconds:.3f} s, "
            f"ratio to curl {a.agent_seconds / r.curl_seconds:.2f}")
    return [
        row("as one tar.gz: wall", wall),
        row("as one tar.gz: CPU", f"agent {a.agent_cpu_seconds:.3f} s ({a.agent_cpu_ms_per_file:.3f} ms per file), "
            f"per-file agent {r.agent_cpu_seconds:.3f} s"),
        row("as one tar.gz: at nginx", f"1 object of {a.stored_bytes} bytes holding {a.agent_stored}/{a.files} files "
            f"with all bytes; per-file run {r.agent_objects} objects of {r.stored_bytes} bytes",
            "every member, all bytes", a.agent_stored == a.files and a.agent_objects == 1),
        row("as one tar.gz: messages", f"{a.backend.requests} request(s), {a.backend.starts} start(s), "
            f"{a.backend.last_uploads} lastUpload; per-file run {r.backend.requests} requests",
            "1 request, 1 start", a.backend.requests == 1 and a.backend.starts == 1),
    ]


def flatness_row(results: list[FilesResult]) -> str | None:
    by_count = {r.files: r for r in results}
    if 1000 not in by_count or 10000 not in by_count:
        return None
    small, large = by_count[1000], by_count[10000]
    if not (small.finished and large.finished):
        return row("CPU flatness", "1000 vs 10000 files: not both finished",
                   f"within {TARGET_CPU_FLATNESS:g} x", False)
    factor = large.agent_cpu_ms_per_file / small.agent_cpu_ms_per_file
    return row("CPU flatness", f"per file at 10000 / at 1000 files: {factor:.2f}",
               f"within {TARGET_CPU_FLATNESS:g} x",
               1 / TARGET_CPU_FLATNESS <= factor <= TARGET_CPU_FLATNESS)


def print_report(results: list[FilesResult], agent: bool, curl_runs: int) -> None:
    print()
    size = results[0].file_size if results else FILE_SIZE
    kind = f"Concurrent large files ({size // MIB} MiB each)" if size > MIB else f"Many small files ({size // 1024} KiB each)"
    print(f"{kind}: agent over MQTT (trigger -> a "
          f"start per request -> parent SUCCESS; maxConcurrentUploads default) against "
          f"curl --parallel --parallel-max {PARALLEL} -K list (median of {curl_runs} runs), "
          "same nginx, same run; mosquitto with its default limits (max_queued_messages "
          f"1000); backend: {backend_name()}. Targets: issue 'large triggers'; FAIL marks do "
          "not fail the run.")
    for result in results:
        print(f"\n{result.files} files: {result.outcome if agent else 'curl only'}")
        for line in result_rows(result, agent) + (archive_rows(result) if agent else []):
            print(line)
        for problem in result.problems:
            print(f"  problem: {problem}")
    if agent and (line := flatness_row(results)):
        print()
        print(line)
