#!/usr/bin/env bash
# Builds the Debian package of file-upload-agent, and its -dbgsym package, with dpkg-deb.
#
#   scripts/build-deb.sh [RELEASE_DIR] [OUT_DIR]      (what `make deb` runs)
#
# RELEASE_DIR (default build/release) holds the stripped, self-contained binary and its
# split-off debug info, as `make release` leaves them. OUT_DIR (default build/deb) receives
#   file-upload-agent_<version>_<arch>.deb         the agent, its unit, its conffile
#   file-upload-agent-dbgsym_<version>_<arch>.deb  /usr/lib/debug/.build-id/xx/yyyy.debug
# The version is the agent's own (Sources/UploadAgent/Support/AgentVersion.swift), the
# architecture this machine's (dpkg --print-architecture), Depends is computed from the
# binary by dpkg-shlibdeps. Package metadata and maintainer scripts are in packaging/deb/.
# Environment: DEB_MAINTAINER overrides the Maintainer field; SOURCE_DATE_EPOCH the file
# dates (default: the last commit's date, so the same commit packs the same files).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
RELEASE_DIR="$(realpath -m "${1:-$REPO/build/release}")"
OUT_DIR="$(realpath -m "${2:-$REPO/build/deb}")"
PACKAGING="$REPO/packaging/deb"
NAME=file-upload-agent
BINARY="$RELEASE_DIR/$NAME"
DEBUG_FILE="$RELEASE_DIR/$NAME.debug"

fail() { echo "build-deb: $*" >&2; exit 1; }

[[ -x "$BINARY" && -f "$DEBUG_FILE" ]] || fail "$BINARY or $DEBUG_FILE missing: run 'make release' first"
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps not found (apt-get install dpkg-dev)"
if ldd "$BINARY" | grep -E '/opt/swift|libswift|libFoundation|not found'; then
    fail "$BINARY needs libraries a gateway does not have (build it with --static-swift-stdlib)"
fi

VERSION="$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' "$REPO/Sources/UploadAgent/Support/AgentVersion.swift")"
[[ "$VERSION" =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || fail "cannot read a version from AgentVersion.swift (got '$VERSION')"
ARCH="$(dpkg --print-architecture)"
MAINTAINER="${DEB_MAINTAINER:-file-upload-agent maintainers <maintainers@users.noreply.h-seed-142076b8.example>}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)}"
BUILD_ID="$(readelf -n "$BINARY" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')"
[[ ${#BUILD_ID} -ge 16 ]] || fail "$BINARY has no GNU build id"

WORK="$OUT_DIR/work"
rm -rf "$WORK"
mkdir -p "$WORK" "$OUT_DIR"
ROOT="$WORK/$NAME"
DBG_ROOT="$WORK/$NAME-dbgsym"
DOC="$ROOT/usr/share/doc/$NAME"

# ---- the agent's files --------------------------------------------------------------------
install -D -m 0755 "$BINARY" "$ROOT/usr/bin/$NAME"
# The unit is systemd/file-upload-agent.service with the paths of a package install.
install -d -m 0755 "$ROOT/lib/systemd/system"
sed -e "s|^ExecStart=/usr/local/bin/$NAME |ExecStart=/usr/bin/$NAME |" \
    -e "s|^Documentation=.*|Documentation=man:$NAME(1)|" \
    "$REPO/systemd/$NAME.service" > "$ROOT/lib/systemd/system/$NAME.service"
chmod 0644 "$ROOT/lib/systemd/system/$NAME.service"
grep -q "^ExecStart=/usr/bin/$NAME " "$ROOT/lib/systemd/system/$NAME.service" \
    || fail "systemd/$NAME.service: no 'ExecStart=/usr/local/bin/$NAME ...' line to point at /usr/bin"
install -D -m 0640 "$REPO/config/$NAME.json" "$ROOT/etc/$NAME/config.json"
install -d -m 0755 "$ROOT/usr/share/man/man1" "$DOC"
sed "s|@VERSION@|$VERSION|" "$PACKAGING/$NAME.1" | gzip -9n > "$ROOT/usr/share/man/man1/$NAME.1.gz"
gzip -9n < "$REPO/README.md" > "$DOC/README.md.gz"
install -m 0644 "$PACKAGING/copyright" "$DOC/copyright"
# A native package: its changelog is generated for the version being built.
{
    printf '%s (%s) unstable; urgency=medium\n\n' "$NAME" "$VERSION"
    printf '  * Version %s, built from commit %s.\n\n' "$VERSION" \
        "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf ' -- %s  %s\n' "$MAINTAINER" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$DOC/changelog.gz"
if [[ -f "$PACKAGING/lintian-overrides" ]]; then
    install -D -m 0644 "$PACKAGING/lintian-overrides" "$ROOT/usr/share/lintian/overrides/$NAME"
fi

# ---- the debug symbols, where gdb looks them up by build id -------------------------------
install -D -m 0644 "$DEBUG_FILE" "$DBG_ROOT/usr/lib/debug/.build-id/${BUILD_ID:0:2}/${BUILD_ID:2}.debug"
install -d -m 0755 "$DBG_ROOT/usr/share/doc"
ln -s "$NAME" "$DBG_ROOT/usr/share/doc/$NAME-dbgsym"

# ---- Depends, from the libraries the binary links ---------------------------------------
# dpkg-shlibdeps wants a debian/control and the binary inside its package tree.
mkdir -p "$WORK/debian" "$ROOT/DEBIAN"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$NAME" "$NAME" > "$WORK/debian/control"
DEPENDS="$(cd "$WORK" && dpkg-shlibdeps -O "-e$ROOT/usr/bin/$NAME" | sed -n 's/^shlibs:Depends=//p')"
[[ "$DEPENDS" == *libmosquitto1* ]] || fail "dpkg-shlibdeps found no libmosquitto1 dependency: '$DEPENDS'"
# libarchive is loaded when the first archive is written (dlopen), so the binary does not
# name it; archives are part of the package all the same.
[[ "$DEPENDS" == *libarchive13* ]] || DEPENDS="$DEPENDS, libarchive13 (>= 3.6)"
rm -rf "$WORK/debian"

# control fields, maintainer scripts, md5sums, then the archive.
pack() {  # pack ROOT_DIR CONTROL_TEMPLATE DEPENDS OUTPUT
    local root="$1" template="$2" depends="$3" output="$4" size
    install -d -m 0755 "$root/DEBIAN"
    size="$(du -s -k --apparent-size --exclude=DEBIAN "$root" | cut -f1)"
    sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@MAINTAINER@|$MAINTAINER|" \
        -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" -e "s|@BUILD_ID@|$BUILD_ID|" \
        "$template" > "$root/DEBIAN/control"
    (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
        | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
    chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
    find "$root" -type d -exec chmod 0755 {} +
    find "$root" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
    dpkg-deb --root-owner-group -Zxz --build "$root" "$output" >/dev/null
    echo "$output"
}

for script in postinst prerm postrm; do
    install -m 0755 "$PACKAGING/$script" "$ROOT/DEBIAN/$script"
done
install -m 0644 "$PACKAGING/conffiles" "$ROOT/DEBIAN/conffiles"
pack "$ROOT" "$PACKAGING/control" "$DEPENDS" "$OUT_DIR/${NAME}_${VERSION}_${ARCH}.deb"
pack "$DBG_ROOT" "$PACKAGING/dbgsym-control" "" "$OUT_DIR/${NAME}-dbgsym_${VERSION}_${ARCH}.deb"
rm -rf "$WORK"
