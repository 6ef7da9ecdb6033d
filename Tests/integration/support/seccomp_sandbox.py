#!/usr/bin/python3
"""Runs a command under the system-call restrictions of the shipped systemd unit, for
tests on machines where systemd is not PID 1 (containers, CI): the unit's
`SystemCallFilter=` lines (expanded with `systemd-analyze syscall-filter`),
`SystemCallErrorNumber=EPERM`, `SystemCallArchitectures=native`, `NoNewPrivileges=`,
`MemoryDenyWriteExecute=` (prctl PR_SET_MDWE), `CapabilityBoundingSet=` (an empty one: no
capability survives the exec) and `LimitNICE=`. Mount and /proc restrictions are not
emulated.

`seccomp_sandbox.py UNIT_FILE COMMAND [ARGS…]`; needs Debian's python3-seccomp, so it runs
with the system Python.
"""
import ctypes
import errno
import os
import resource
import subprocess
import sys

import seccomp

# systemd always permits these, whatever the filter says (seccomp-util.c).
ALWAYS_ALLOWED = {"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn", "arch_prctl",
                  "brk", "mmap", "mprotect", "munmap"}
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
PR_CAPBSET_DROP = 24
CAP_SYS_NICE = 23
CAP_LAST_CAP = 63


def expand(entry: str, seen: set) -> set:
    """The system calls an entry names: a group (`@system-service`, recursively) or one call."""
    if not entry.startswith("@"):
        return {entry}
    if entry in seen:
        return set()
    seen.add(entry)
    listing = subprocess.run(["systemd-analyze", "syscall-filter", entry], capture_output=True, text=True,
                             check=True).stdout
    calls = set()
    for line in listing.splitlines()[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            calls |= expand(word, seen)
    return calls


def allowed_calls(unit_text: str) -> set:
    """The unit's filter, line by line as systemd reads it: the first (an allow list here)
    sets the default; each later line adds (`name`) or removes (`~name`) calls."""
    allowed = set()
    for line in unit_text.splitlines():
        if not line.startswith("SystemCallFilter="):
            continue
        value = line.split("=", 1)[1].strip()
        calls = set()
        for entry in value.lstrip("~").split():
            calls |= expand(entry, set())
        allowed = allowed - calls if value.startswith("~") else allowed | calls
    return allowed | ALWAYS_ALLOWED


def unit_setting(unit_text: str, name: str):
    """The value of the last `name=` line, or None."""
    values = [line.split("=", 1)[1].strip() for line in unit_text.splitlines() if line.startswith(name + "=")]
    return values[-1] if values else None


def apply_limits_and_capabilities(text: str, libc) -> None:
    nice = unit_setting(text, "LimitNICE")
    keep = set()
    if nice is not None:
        # "-4" (a nice level, signed) allows nice values down to -4: RLIMIT_NICE 24.
        limit = 20 - int(nice) if nice[:1] in "+-" else int(nice)
        try:
            resource.setrlimit(resource.RLIMIT_NICE, (limit, limit))
        except (ValueError, OSError):
            # A container without CAP_SYS_RESOURCE cannot raise the limit; CAP_SYS_NICE
            # then stands in for it (it allows at least what the limit would).
            keep.add(CAP_SYS_NICE)
    if unit_setting(text, "CapabilityBoundingSet") == "":
        for capability in set(range(CAP_LAST_CAP + 1)) - keep:
            libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the kernel's last


def main() -> None:
    unit_file, command = sys.argv[1], sys.argv[2:]
    text = open(unit_file).read()
    libc = ctypes.CDLL(None, use_errno=True)
    apply_limits_and_capabilities(text, libc)
    if "MemoryDenyWriteExecute=yes" in text:
        if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
            sys.exit(f"seccomp_sandbox: PR_SET_MDWE failed: {os.strerror(ctypes.get_errno())}")
    sandbox = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    for call in sorted(allowed_calls(text)):
        try:
            sandbox.add_rule(seccomp.ALLOW, call)
        except (RuntimeError, ValueError):
            pass  # not a system call on this architecture
    sandbox.load()  # sets no_new_privs; native architecture only
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
