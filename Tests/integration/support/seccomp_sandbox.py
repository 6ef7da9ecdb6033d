#!/usr/bin/python3
"""Runs a command under the system-call restrictions of the shipped systemd unit, for
tests on machines where systemd is not PID 1 (containers, CI): the unit's
`SystemCallFilter=` lines (expanded with `systemd-analyze syscall-filter`),
`SystemCallErrorNumber=EPERM`, `SystemCallArchitectures=native`, `NoNewPrivileges=` and
`MemoryDenyWriteExecute=` (prctl PR_SET_MDWE). Mount and /proc restrictions are not
emulated.

`seccomp_sandbox.py UNIT_FILE COMMAND [ARGS…]`; needs Debian's python3-seccomp, so it runs
with the system Python.
"""
import ctypes
import errno
import os
import subprocess
import sys

import seccomp

# systemd always permits these, whatever the filter says (seccomp-util.c).
ALWAYS_ALLOWED = {"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn", "arch_prctl",
                  "brk", "mmap", "mprotect", "munmap"}
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1


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
    allowed, denied = set(), set()
    for line in unit_text.splitlines():
        if not line.startswith("SystemCallFilter="):
            continue
        value = line.split("=", 1)[1].strip()
        target = allowed
        if value.startswith("~"):
            target, value = denied, value[1:]
        for entry in value.split():
            target |= expand(entry, set())
    return (allowed - denied) | ALWAYS_ALLOWED


def main() -> None:
    unit_file, command = sys.argv[1], sys.argv[2:]
    text = open(unit_file).read()
    if "MemoryDenyWriteExecute=yes" in text:
        libc = ctypes.CDLL(None, use_errno=True)
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
