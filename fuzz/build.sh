#!/usr/bin/env bash
# Builds the two libFuzzer targets (clang, ASan+UBSan) into fuzz/build/.
# Usage: fuzz/build.sh            then e.g.
#   fuzz/build/binary_reader_fuzz -max_total_time=600 fuzz/corpus/binary
#   fuzz/build/text_reader_fuzz   -max_total_time=600 fuzz/corpus/text
# Keep the committed corpus small by merging a working corpus back into it:
#   fuzz/build/text_reader_fuzz -merge=1 fuzz/corpus-work/text-min fuzz/corpus/text
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/build"
mkdir -p "$out"
CXX="${CXX:-clang++}"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I"$root/include")
lib_srcs=("$root"/src/darshan/*.cpp "$root"/src/core/error.cpp "$root"/src/core/text.cpp
          "$root"/src/core/file_io.cpp)
for target in binary_reader_fuzz text_reader_fuzz; do
  "$CXX" "${flags[@]}" "$here/$target.cpp" "${lib_srcs[@]}" -ldeflate -lz -lbz2 -o "$out/$target"
done
# Seed corpora with the real log and its darshan-parser text.
mkdir -p "$here/corpus/binary" "$here/corpus/text"
cp -n "$root/tests/data/darshan/combined.darshan" "$here/corpus/binary/seed_combined.darshan" || true
cp -n "$root/tests/data/darshan/combined.darshan-parser.txt" "$here/corpus/text/seed_combined.txt" || true
echo "built: $out/binary_reader_fuzz $out/text_reader_fuzz"
