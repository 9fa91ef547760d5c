#!/bin/sh
# Regenerates the committed seed corpora (corpus/<target>/seed-*) from the golden files in
# ../tests/data/ (hex). Every seed parses; the golden ones also open. Needs xxd.
set -eu
cd "$(dirname "$0")"
data=../tests/data
unhex() { tr -d ' \n' <"$data/$1" | xxd -r -p >"$2"; }

mkdir -p corpus/envelope corpus/header corpus/share
for name in item_v1 item_v2 tombstone consent settings share_record; do
    unhex "golden_envelope_$name.hex" "corpus/envelope/seed-$name"
done

# The golden header (minimum KDF parameters), and the same bytes with the default and the
# maximum parameters (they parse; they no longer unlock).
unhex golden_header.hex corpus/header/seed-golden
header_with_kdf() { # $1 = m t p as 24 hex digits, $2 = output
    hex=$(tr -d ' \n' <"$data/golden_header.hex")
    printf '%s%s%s' "$(printf '%s' "$hex" | cut -c1-58)" "$1" "$(printf '%s' "$hex" | cut -c83-)" \
        | xxd -r -p >"$2"
}
header_with_kdf 000100000000000300000001 corpus/header/seed-default-params
header_with_kdf 001000000000000a00000004 corpus/header/seed-max-params

# The golden share (kind 02, scores), and the same bytes with each other kind byte (they
# parse; the kind is authenticated, so they no longer open).
unhex golden_share_scores.hex corpus/share/seed-scores
for kind in 01 03 04; do
    tr -d ' \n' <"$data/golden_share_scores.hex" \
        | sed "s/^\(.\{10\}\)../\1$kind/" | xxd -r -p >"corpus/share/seed-kind-$kind"
done
