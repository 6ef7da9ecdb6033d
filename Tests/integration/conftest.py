pytest_plugins = [
    "support.net_fixtures",
]
