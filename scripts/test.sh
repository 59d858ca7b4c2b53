#!/usr/bin/env bash
# Runs every test project after setup. Prints per-project results and ends with one line "N passed, N failed".
# Tests that read real data expect ../shared beside the repository (or DEPTHNODE_SHARED); they fail loudly without it.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONFIG=${CONFIGURATION:-Release}
./scripts/setup.sh || { echo "test: setup failed"; echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp -d)
status=0
runs=()
for proj in tests/*/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  runs+=("$name")
  echo "test: $name"
  dotnet test "$proj" -c "$CONFIG" --no-build --nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=minimal" ${TEST_FILTER:+--filter "$TEST_FILTER"} \
    || status=1
done

# The Core kernel tests once more on the other code paths: no SIMD at all (the scalar loops, what a CPU without
# vector units runs) and no AVX (the 128-bit paths, as on Arm NEON). Their counts join the total below. The
# decoder comparisons (libjpeg vs StbImageSharp) have no SIMD kernels of ours and run once.
KERNELS="FullyQualifiedName~DepthNode.Core.Tests.Imaging|FullyQualifiedName~DepthNode.Core.Tests.PointClouds|FullyQualifiedName~DepthNode.Core.Tests.Depth|FullyQualifiedName~SparseDepth"
for variant in "scalar DOTNET_EnableHWIntrinsic=0" "no-avx DOTNET_EnableAVX=0 DOTNET_EnableAVX2=0"; do
  set -- $variant
  name="DepthNode.Core.Tests.kernels-$1"; shift
  runs+=("$name")
  echo "test: $name ($*)"
  env "$@" dotnet test tests/DepthNode.Core.Tests/DepthNode.Core.Tests.csproj -c "$CONFIG" --no-build --nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=minimal" \
    --filter "${TEST_FILTER:+($TEST_FILTER)&}($KERNELS)&FullyQualifiedName!~DecoderTests" \
    || status=1
done

# linux-arm64 (Jetson): the CLI publishes and ships only AArch64 natives, without OpenCV's (scripts/publish-arm64.sh).
arm64_failed=0
echo "test: publish linux-arm64"
./scripts/publish-arm64.sh "$results/publish-linux-arm64" || arm64_failed=1

# Sum the counters of every trx (one per run); a run that produced no results at all counts as one failure.
passed=0; failed=0; skipped=0
for name in "${runs[@]}"; do
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then failed=$((failed + 1)); echo "test: $name produced no results"; continue; fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p=$(get passed); f=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  s=$(( ${t:-0} - ${x:-0} ))
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + s))
done
passed=$((passed + 1 - arm64_failed)); failed=$((failed + arm64_failed))
rm -rf "$results"
[ "$failed" -gt 0 ] && status=1
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
