pytest_plugins = [
    "support.azure_fixtures",
]
