# file-upload-agent: build, test, run, install.
#   make run      set up a fresh Debian, start a local broker, run the agent on config/local.json
#   make test     install what the tests need, run unit and integration tests and the fuzz smoke
#   make bench    upload benchmark against curl (not part of the tests)
#   make fuzz     coverage-guided fuzzing of the input parsers, FUZZ_SECONDS per target
#   make install  PREFIX=/usr/local DESTDIR=   binary, systemd unit, example config

PREFIX ?= /usr/local
DESTDIR ?=
SYSTEMD_DIR ?= /lib/systemd/system
CONF_DIR ?= /etc/file-upload-agent
SWIFT ?= swift
VENV ?= .venv
PY := $(VENV)/bin/python
# Which build `make install` takes: release (default) or debug.
CONFIGURATION ?= release
DEBIAN_PACKAGES := pkg-config libmosquitto-dev libcurl4-openssl-dev libssl-dev mosquitto mosquitto-clients openssl
TEST_PACKAGES := nginx-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
# make fuzz: seconds per target (0: only the seeds) and which targets (default: all).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps test-deps build release test unit-test integration-test fuzz fuzz-smoke run install uninstall bench clean

all: build

## Debian packages the build needs; installed only when missing.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

test-deps: deps $(VENV)/.installed
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: Tests/integration/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r Tests/integration/requirements.txt
	touch $@

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

unit-test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

integration-test: test-deps build
	$(PY) -m pytest Tests/integration -q $(PYTEST_ARGS)

test: unit-test integration-test fuzz-smoke

## libFuzzer with AddressSanitizer on the parsers of outside input (scripts/fuzz); slow, not in `make test`.
fuzz: deps
	scripts/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## The fuzz build, and every target over its seeds only (deterministic, a few seconds after the build).
fuzz-smoke: deps
	scripts/fuzz 0

## Runs the agent in the foreground against a local broker, uploading from ./demo.
run: release
	@mkdir -p demo/files run
	@[ -f demo/files/hello.log ] || echo "hello from $$(hostname) at $$(date -Is)" > demo/files/hello.log
	@if ! (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then \
		echo "starting a local mosquitto on 127.0.0.1:1883"; \
		mosquitto -d -c config/mosquitto-local.conf; sleep 0.5; \
	fi
	./.build/release/file-upload-agent --config config/local.json

install: deps
	$(SWIFT) build -c $(CONFIGURATION)
	install -D -m 0755 .build/$(CONFIGURATION)/file-upload-agent $(DESTDIR)$(PREFIX)/bin/file-upload-agent
	install -D -m 0644 systemd/file-upload-agent.service $(DESTDIR)$(SYSTEMD_DIR)/file-upload-agent.service
	sed -i 's|/usr/local/bin/file-upload-agent|$(PREFIX)/bin/file-upload-agent|' $(DESTDIR)$(SYSTEMD_DIR)/file-upload-agent.service
	@if [ -f $(DESTDIR)$(CONF_DIR)/config.json ]; then \
		echo "keeping existing $(DESTDIR)$(CONF_DIR)/config.json"; \
	else \
		install -D -m 0640 config/file-upload-agent.json $(DESTDIR)$(CONF_DIR)/config.json; \
	fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/file-upload-agent $(DESTDIR)$(SYSTEMD_DIR)/file-upload-agent.service

bench: release test-deps
	scripts/bench.sh

clean:
	rm -rf .build .build-fuzz .fuzz $(VENV) demo run
