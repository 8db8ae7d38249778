#!/bin/sh
# tests/lint.sh format|tidy BUILD_DIR: the repository's lint checks, as CTest
# runs them (tests "format" and "tidy", label lint).
#   format          clang-format-14 --dry-run --Werror (.clang-format) over every
#                   tracked C/C++ file: fails on any difference; reformat with
#                   clang-format-14 -i $(git ls-files '*.cpp' '*.hpp' '*.c' '*.h')
#   tidy BUILD_DIR  clang-tidy-14 (.clang-tidy) over every tracked .cpp file of
#                   spf/, milter/, rfc7208-suite/ and bench/ that BUILD_DIR
#                   compiles, with its compile_commands.json. The path-sensitive
#                   clang-analyzer checks, which cost about three quarters of the
#                   time, run on the files that take network bytes apart with
#                   pointers and lengths (spf/dns_*.cpp, spf/ldns_resolver.cpp,
#                   spf/ip_address.cpp, milter/process.cpp) and not on the rest,
#                   unless SPF_TIDY_ANALYZER=all (every file) or none
# Prints one line per file that fails (and what the tool said), then
# "N passed, M failed" (files). Exit status 0 when every file is clean, 1 when
# one is not, 77 (CTest: skipped) when the tool or git is missing or the
# sources are not a git checkout.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

skip() {
    echo "SKIP: $*"
    exit 77
}

command -v git >/dev/null 2>&1 || skip "git is missing"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "$top is not a git checkout"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lint.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# tally TOOL FILE...: runs "$scratch/run-one FILE" for every FILE, one per core
# at a time; prints the failures and the closing line.
tally() {
    tool=$1; shift
    jobs=$(nproc 2>/dev/null || echo 2)
    printf '%s\n' "$@" | xargs -P "$jobs" -I FILE sh -c \
        'out=$1/$(printf %s "$2" | tr / _); if "$1/run-one" "$2" >"$out.log" 2>&1; then : >"$out.ok"; fi' \
        lint "$scratch" FILE
    passed=0 failed=0
    for file in "$@"; do
        out=$scratch/$(printf %s "$file" | tr / _)
        if [ -e "$out.ok" ]; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "FAIL - $file ($tool)"
            sed 's/^/#   /' "$out.log"
        fi
    done
    echo "$passed passed, $failed failed"
    [ "$passed" -gt 0 ] || { echo "FAIL - no file was checked"; return 1; }
    [ "$failed" -eq 0 ]
}

case ${1:-} in
format)
    command -v clang-format-14 >/dev/null 2>&1 || skip "clang-format-14 is missing (packaging/install-deps.sh --test)"
    set --
    for file in $(git ls-files '*.cpp' '*.hpp' '*.c' '*.h'); do
        [ -e "$file" ] && set -- "$@" "$file"  # not one deleted in the work tree
    done
    cat >"$scratch/run-one" <<'EOF'
#!/bin/sh
exec clang-format-14 --dry-run --Werror "$1"
EOF
    chmod +x "$scratch/run-one"
    tally clang-format "$@"
    ;;
tidy)
    build=${2:?usage: tests/lint.sh tidy BUILD_DIR}
    build=$(cd "$build" && pwd)
    command -v clang-tidy-14 >/dev/null 2>&1 || skip "clang-tidy-14 is missing (packaging/install-deps.sh --test)"
    [ -s "$build/compile_commands.json" ] || skip "$build/compile_commands.json is missing"
    # The tracked .cpp files of the program's sources that this build compiles
    # (bench/ only with SPF_BUILD_BENCH, and so on). Not tests/: GoogleTest
    # makes each of those cost about 15 s of clang-tidy, doubling the run for
    # code that is not shipped.
    files=
    for file in $(git ls-files 'spf/*.cpp' 'milter/*.cpp' 'rfc7208-suite/*.cpp' 'bench/*.cpp'); do
        [ -e "$file" ] && grep -qF "\"file\": \"$top/$file\"" "$build/compile_commands.json" && files="$files $file"
    done
    # shellcheck disable=SC2086
    set -- $files
    # The build's flags are g++'s: clang does not know all of its warning
    # options, and its own warnings are not this check's business (the build
    # has -Werror for g++'s).
    analyzer=${SPF_TIDY_ANALYZER:-bytes}
    case $analyzer in all | none | bytes) ;; *) echo "SPF_TIDY_ANALYZER is all, bytes or none" >&2; exit 2 ;; esac
    cat >"$scratch/run-one" <<EOF
#!/bin/sh
set -f  # \$checks below is split, never globbed
checks=
case $analyzer:\$1 in
all:* | bytes:spf/dns_*.cpp | bytes:spf/ldns_resolver.cpp | bytes:spf/ip_address.cpp | bytes:milter/process.cpp) ;;
*) checks=--checks=-clang-analyzer-* ;;
esac
exec clang-tidy-14 -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-error \$checks "\$1"
EOF
    chmod +x "$scratch/run-one"
    tally clang-tidy "$@"
    ;;
*)
    echo "usage: tests/lint.sh format | tidy BUILD_DIR" >&2
    exit 2
    ;;
esac
