"""The binary the suite runs is the one that ships (`make release`); these check what it
must not carry.

Why: the debug build's hooks wedge the agent and move its clock, so they must not exist in
the shipped binary; and one `import Foundation` (instead of FoundationEssentials) links ICU's
tables, about 45 MB more on a gateway's flash and more pages touched at start.
"""
from support.agent_process import agent_binary, hooks_binary

HOOKS = ("FILE_UPLOAD_AGENT_FAULT", "FILE_UPLOAD_AGENT_CLOCK_OFFSET")
MIB = 1024 * 1024


def test_the_shipped_binary_has_no_test_hooks():
    assert all(name.encode() in hooks_binary().read_bytes() for name in HOOKS)
    shipped = agent_binary().read_bytes()
    assert [name for name in HOOKS if name.encode() in shipped] == []


def test_the_shipped_binary_carries_no_icu_tables():
    size = agent_binary().stat().st_size
    assert size < 24 * MIB, f"{agent_binary()} is {size / MIB:.1f} MiB: something imports Foundation, not FoundationEssentials"
