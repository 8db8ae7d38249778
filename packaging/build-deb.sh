#!/bin/sh
# build-deb.sh [OUTDIR]: build the Debian package of spf-milter from this
# source tree, in one command:
#   spf-milter_VERSION_ARCH.deb         the daemon, spf-query, man pages, the
#                                       configuration file, the systemd unit
#   spf-milter-dbgsym_VERSION_ARCH.deb  their debugging symbols
# in OUTDIR (default: build-deb/ at the top of the tree), with the build's log,
# then lintian on them: an error fails the build.
#
# The top of the repository has no debian/: the files of the tree that git
# tracks or would track (nothing .gitignore ignores, so no build directories)
# are copied to a scratch directory, packaging/debian is put at the top of the
# copy, and dpkg-buildpackage builds the binary packages there (-us -uc -b,
# parallel=$(nproc)). Needs the build dependencies of packaging/install-deps.sh
# and the --test ones dpkg-buildpackage and lintian come with (debhelper,
# dpkg-dev, build-essential, lintian); not root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$top/build-deb}
jobs=$(nproc 2>/dev/null || echo 2)

die() {
    echo "build-deb.sh: $*" >&2
    exit 1
}

for program in dpkg-buildpackage dpkg-parsechangelog dh lintian; do
    command -v "$program" >/dev/null ||
        die "$program is missing: packaging/install-deps.sh --test installs it"
done

# The version lives in CMakeLists.txt (project(... VERSION)); the changelog's
# upstream part must say the same.
cmake_version=$(sed -n 's/^project(spf-milter VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
[ -n "$cmake_version" ] || die "no project(spf-milter VERSION ...) line in CMakeLists.txt"
deb_version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
[ "${deb_version%-*}" = "$cmake_version" ] ||
    die "packaging/debian/changelog is at $deb_version, CMakeLists.txt at $cmake_version: add a changelog entry (dch -v $cmake_version-1)"
arch=$(dpkg --print-architecture)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/spf-milter-deb.XXXXXX")
trap 'echo "build-deb.sh: failed; the build tree is kept in $scratch" >&2' EXIT
tree=$scratch/spf-milter-$cmake_version
mkdir -p "$tree"

echo "build-deb.sh: copying the source tree to $tree"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files as they are now, and new files not ignored.
    git -C "$top" ls-files -z --cached --others --exclude-standard |
        (cd "$top" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
        (cd "$top" && tar --null --files-from=- -cf -) | tar -xf - -C "$tree"
else
    # A tarball: everything but build directories.
    (cd "$top" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$tree"
fi
[ ! -e "$tree/debian" ] || die "the source tree has a debian/ at its top; the package's files are packaging/debian"
cp -R "$top/packaging/debian" "$tree/debian"

echo "build-deb.sh: dpkg-buildpackage -us -uc -b (parallel=$jobs), log in $scratch/build.log"
started=$(date +%s)
if ! (cd "$tree" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$jobs" \
    dpkg-buildpackage -us -uc -b) >"$scratch/build.log" 2>&1; then
    tail -n 40 "$scratch/build.log" >&2
    die "dpkg-buildpackage failed (log: $scratch/build.log)"
fi
echo "build-deb.sh: built in $(($(date +%s) - started)) s"

mkdir -p "$outdir"
rm -f "$outdir"/spf-milter_*.deb "$outdir"/spf-milter-dbgsym_*.deb "$outdir"/spf-milter_*.build.log
main=spf-milter_${deb_version}_$arch.deb
dbgsym=spf-milter-dbgsym_${deb_version}_$arch.deb
for deb in "$main" "$dbgsym"; do
    [ -f "$scratch/$deb" ] || die "dpkg-buildpackage made no $deb"
    cp "$scratch/$deb" "$outdir/"
done
cp "$scratch/build.log" "$outdir/spf-milter_${deb_version}_$arch.build.log"

echo "build-deb.sh: lintian"
lintian --fail-on error --display-info "$outdir/$main" "$outdir/$dbgsym" || die "lintian found errors"

trap - EXIT
rm -rf "$scratch"
for deb in "$main" "$dbgsym"; do
    echo "build-deb.sh: $outdir/$deb ($(du -k "$outdir/$deb" | cut -f1) KiB)"
done
