#!/usr/bin/env bash
# Publishes `depthnode` for linux-arm64 (Jetson) and checks what it ships: every native library is AArch64, ONNX
# Runtime and SQLite natives are there, the managed JPEG/PNG decoder is there, and no libOpenCvSharpExtern (NuGet has
# none for arm64: the node falls back to the managed decoder, tested on x64 by RunWithoutOpenCvTests).
# Usage: scripts/publish-arm64.sh [output folder]   (default out/publish/linux-arm64)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out/publish/linux-arm64}
rm -rf "$OUT"
nice -n 15 dotnet publish src/DepthNode.Cli/DepthNode.Cli.csproj -r linux-arm64 -c Release --self-contained false \
  -o "$OUT" --nologo -v quiet
fail() { echo "publish-arm64: $*" >&2; exit 1; }
# ELF header: e_machine (2 bytes at offset 18) is 0xB7 for AArch64, 0x3E for x86-64.
machine() { od -An -tx1 -j18 -N2 "$1" | tr -d ' \n'; }
for f in "$OUT"/depthnode $(find "$OUT" -name '*.so*' -type f); do
  [ "$(machine "$f")" = "b700" ] || fail "$f is not an AArch64 binary (e_machine $(machine "$f"))"
done
for f in libonnxruntime.so libe_sqlite3.so StbImageSharp.dll depthnode.dll; do
  [ -f "$OUT/$f" ] || fail "$OUT/$f is missing"
done
if find "$OUT" -name 'libOpenCvSharpExtern*' | grep -q .; then fail "$OUT ships libOpenCvSharpExtern, which has no arm64 build on NuGet"; fi
grep -q '"name": ".NETCoreApp,Version=v10.0/linux-arm64"' "$OUT/depthnode.deps.json" || fail "depthnode.deps.json does not target linux-arm64"
echo "publish-arm64: $OUT ok: $(find "$OUT" -name '*.so*' -type f -printf '%f ' )(AArch64), $(find "$OUT" -name '*.dll' | wc -l) assemblies, $(du -sh "$OUT" | cut -f1)"
