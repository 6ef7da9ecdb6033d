"""Integration test configuration shared by every area.

Each area puts its fixtures in support/<area>_fixtures.py and appends the module name here.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

pytest_plugins = [
    "support.core_fixtures",
    "support.azure_fixtures",
    "support.s3_fixtures",
    "support.net_fixtures",
    "support.generic_fixtures",
    "support.resume_fixtures",
]
