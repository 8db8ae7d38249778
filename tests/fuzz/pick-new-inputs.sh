#!/bin/sh
# tests/fuzz/pick-new-inputs.sh: chooses the few new inputs worth committing.
#
#   tests/fuzz/pick-new-inputs.sh FUZZER CORPUS-DIR CANDIDATE-DIR [MAX]
#
# Measures how many edges (libFuzzer's cov:) each candidate (e.g. from
# BUILD-DIR/fuzz-runs/TARGET/merged/ after run-fuzzers.sh) adds to CORPUS-DIR alone,
# then goes through them, largest gain first, keeping one when it still adds edges
# to CORPUS-DIR and the inputs kept so far; stops after MAX (default 8).
# Prints the names kept; copy them into the corpus with a name that says what they are.
set -eu
fuzzer=$1
corpus=$2
candidates=$3
max=${4:-8}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch" "$scratch.order"' EXIT
cp "$corpus"/* "$scratch"/
edges() { "$fuzzer" -runs=0 -rss_limit_mb=256 -timeout=2 -max_len=65536 "$@" 2>&1 | sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p'; }
best=$(edges "$scratch")
for file in $(ls "$candidates"); do
    [ -e "$corpus/$file" ] && continue
    cp "$candidates/$file" "$scratch/$file"
    echo "$(( $(edges "$scratch") - best )) $file"
    rm "$scratch/$file"
done | sort -n -r -k1,1 | awk '$1 > 0 { print $2 }' >"$scratch.order"
kept=0
for file in $(cat "$scratch.order"); do
    cp "$candidates/$file" "$scratch/$file"
    now=$(edges "$scratch")
    if [ "${now:-0}" -gt "$best" ]; then
        echo "$file +$((now - best)) edges ($(wc -c <"$candidates/$file") octets)"
        best=$now
        kept=$((kept + 1))
        [ $kept -ge "$max" ] && break
    else
        rm "$scratch/$file"
    fi
done
