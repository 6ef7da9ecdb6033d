# file-upload-agent: build, test, run, install.
#   make run      set up a fresh Debian, start a local broker, run the agent on config/local.json
#   make test     install what the tests need, run unit tests, the simulator (and each known
#                 defect it must catch), integration tests, the fuzz smoke and the gateway test
#   make simulate the deterministic simulator: SEEDS=N seeds, SEED=n replays one, FAULT=<name>
#                 puts a known defect back (the run must then fail)
#   make bench    upload benchmarks against curl: one large file, many small files
#                 (not part of the tests; BENCH_SIZES=, BENCH_FILES= pick the cases)
#   make fuzz     coverage-guided fuzzing of the input parsers, FUZZ_SECONDS per target
#   make install  PREFIX=/usr/local DESTDIR=   binary, systemd unit, example config
#                 (the release binary below; CONFIGURATION=debug takes the debug build)
#   make demo     the whole job on one machine: broker, storage endpoint, agent and a backend that
#                 triggers uploads, shows their progress and checks the bytes; exits 0 on success
#   make release  self-contained binary (Swift runtime linked in, no /opt/swift needed) in
#                 build/release/, its debug info split off into file-upload-agent.debug
#   make deb      Debian package (+ -dbgsym) of that binary in build/deb/
#   make test-deb-root  install the .deb into a fresh debootstrap'd Debian (slow, needs the mirror)
#   make test-gateway   the .deb on a Debian gateway booted in qemu under its own systemd: boot,
#                 upload, status, journal, stop/start, watchdog, a power cut (POWER_CUTS=N for more)

PREFIX ?= /usr/local
DESTDIR ?=
SYSTEMD_DIR ?= /lib/systemd/system
CONF_DIR ?= /etc/file-upload-agent
SWIFT ?= swift
VENV ?= .venv
PY := $(VENV)/bin/python
# Which build `make install` takes: release (default) or debug.
CONFIGURATION ?= release
DEBIAN_PACKAGES := pkg-config libmosquitto-dev libcurl4-openssl-dev libssl-dev libarchive-dev mosquitto mosquitto-clients openssl
TEST_PACKAGES := nginx-core dpkg-dev binutils lintian systemd python3-seccomp strace
# objcopy splits the debug info off; dpkg-shlibdeps computes the package's Depends.
PACKAGE_TOOLS := binutils dpkg-dev
BUILD_DIR ?= build
RELEASE_DIR := $(BUILD_DIR)/release
DEB_DIR := $(BUILD_DIR)/deb
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
# make fuzz: seconds per target (0: only the seeds) and which targets (default: all).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

.PHONY: all deps test-deps build release test unit-test simulate simulate-faults integration-test fuzz fuzz-smoke run install uninstall bench clean \
	deb demo test-deb-root test-gateway

# $(call apt_ensure,packages): installs the Debian packages that are missing.
define apt_ensure
@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

all: build

## Debian packages the build needs; installed only when missing.
deps:
	$(call apt_ensure,$(DEBIAN_PACKAGES))

test-deps: deps $(VENV)/.installed
	$(call apt_ensure,$(TEST_PACKAGES))

$(VENV)/.installed: Tests/integration/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r Tests/integration/requirements.txt
	touch $@

build: deps
	$(SWIFT) build

## The self-contained release binary: the Swift runtime linked in (a gateway has no /opt/swift),
## no $$ORIGIN rpath, bound at load time (full RELRO), stripped; its debug info is kept beside
## it (gdb finds it through the binary's .gnu_debuglink or its build id).
release: deps
	$(call apt_ensure,$(PACKAGE_TOOLS))
	$(SWIFT) build -c release --static-swift-stdlib --disable-local-rpath -Xlinker -z -Xlinker now
	@mkdir -p $(RELEASE_DIR)
	objcopy --only-keep-debug --compress-debug-sections .build/release/file-upload-agent $(RELEASE_DIR)/file-upload-agent.debug
	objcopy --strip-all --remove-section=.comment --remove-section=.note \
		--add-gnu-debuglink=$(RELEASE_DIR)/file-upload-agent.debug \
		.build/release/file-upload-agent $(RELEASE_DIR)/file-upload-agent.tmp
	mv $(RELEASE_DIR)/file-upload-agent.tmp $(RELEASE_DIR)/file-upload-agent
	chmod 0644 $(RELEASE_DIR)/file-upload-agent.debug
	@if ldd $(RELEASE_DIR)/file-upload-agent | grep -E '/opt/swift|libswift|libFoundation|not found'; then \
		echo "release binary still needs the Swift toolchain's libraries" >&2; exit 1; fi
	@if ldd $(RELEASE_DIR)/file-upload-agent | grep -E 'libarchive|libxml2|libicu'; then \
		echo "release binary links libarchive, which it loads when it writes the first archive" >&2; exit 1; fi

## Debian package of the release binary, and its -dbgsym package, in build/deb/.
deb: release
	scripts/build-deb.sh $(RELEASE_DIR) $(DEB_DIR)

## The package installed into a fresh Debian made with debootstrap (downloads ~40 MB).
test-deb-root: test-deps deb
	$(call apt_ensure,debootstrap)
	FUA_TEST_DEB_ROOT=1 $(PY) -m pytest Tests/integration/test_package.py -q -k debootstrap $(PYTEST_ARGS)

GATEWAY_PACKAGES := qemu-system-x86 debootstrap openssh-client e2fsprogs iproute2
## The gateway test (Tests/gateway): its own network and PID namespaces, so nothing it starts
## (qemu, broker, sink) outlives it; the Debian root is cached in build/gateway/.
test-gateway: test-deps deb
	$(call apt_ensure,$(GATEWAY_PACKAGES))
	$(PY) Tests/gateway/gateway_vm.py
	unshare --net --pid --fork --kill-child sh -c 'ip link set lo up && exec $(PY) -m pytest Tests/gateway -q $(PYTEST_ARGS)'

## The unit tests, then the simulator on its own (it keeps both cores busy; the unit tests that
## wait on real time must not share them).
unit-test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip SimulationTests
	$(MAKE) --no-print-directory simulate SEEDS=$(SEEDS)
	$(MAKE) --no-print-directory simulate-faults

## The deterministic simulator (Tests/UploadAgentTests/Simulation): SEEDS seeds from FIRST, or
## the one SEED (a failing seed prints this command); FAULT=<name> puts a known defect back.
## It runs optimised (its own build folder, testable imports), about 4x the debug build's
## speed; a FAULT needs the debug build, where the defects can be put back.
SEEDS ?= 2000
FIRST ?= 1
SEED ?=
FAULT ?=
SIMULATED_FAULTS := publish-before-durable window-not-shared forget-damaged hold-never-lifted
SIM_BUILD = $(if $(FAULT),,-c release -Xswiftc -enable-testing --scratch-path .build-sim)
simulate: deps
	$(SWIFT) build --build-tests $(SIM_BUILD)
	SWIFT_DETERMINISTIC_HASHING=1 SIM_SEEDS=$(SEEDS) SIM_FIRST=$(FIRST) SIM_SEED=$(SEED) SIM_FAULT=$(FAULT) \
		$(SWIFT) test --skip-build $(SIM_BUILD) --filter SimulationTests

## A simulator that cannot fail proves nothing: with each known defect put back it must fail.
simulate-faults: deps
	scripts/simulate-faults.sh $(SWIFT) $(SIMULATED_FAULTS)

## The black-box suite runs the binary that ships (make release); the debug build serves only
## the tests that need its fault and clock hooks (the release binary has none).
integration-test: test-deps build release
	$(PY) -m pytest Tests/integration -q $(PYTEST_ARGS)

test: unit-test integration-test fuzz-smoke test-gateway

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
	./$(RELEASE_DIR)/file-upload-agent --config config/local.json

## Runs the whole job once on this machine and exits (0 when every file arrived intact).
demo: build $(VENV)/.installed
	scripts/demo.sh .build/debug/file-upload-agent $(PY)

# `make install` takes the release binary; CONFIGURATION=debug takes the debug build.
INSTALL_BINARY := $(if $(filter debug,$(CONFIGURATION)),.build/debug,$(RELEASE_DIR))/file-upload-agent
install: $(if $(filter debug,$(CONFIGURATION)),build,release)
	install -D -m 0755 $(INSTALL_BINARY) $(DESTDIR)$(PREFIX)/bin/file-upload-agent
	install -D -m 0644 systemd/file-upload-agent.service $(DESTDIR)$(SYSTEMD_DIR)/file-upload-agent.service
	sed -i 's|/usr/local/bin/file-upload-agent|$(PREFIX)/bin/file-upload-agent|' $(DESTDIR)$(SYSTEMD_DIR)/file-upload-agent.service
	@if [ -f $(DESTDIR)$(CONF_DIR)/config.json ]; then \
		echo "keeping existing $(DESTDIR)$(CONF_DIR)/config.json"; \
	elif [ -f $(DESTDIR)/etc/file-upload/config.json ]; then \
		echo "Kanto's $(DESTDIR)/etc/file-upload/config.json is present: the agent reads it (no example config installed)"; \
	else \
		install -D -m 0640 config/file-upload-agent.json $(DESTDIR)$(CONF_DIR)/config.json; \
	fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/file-upload-agent $(DESTDIR)$(SYSTEMD_DIR)/file-upload-agent.service

bench: release test-deps
	scripts/bench.sh

clean:
	rm -rf .build .build-fuzz .build-sim .fuzz $(BUILD_DIR) $(VENV) demo run
