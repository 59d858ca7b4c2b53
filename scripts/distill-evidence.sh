#!/usr/bin/env bash
# Re-runs the CPU evidence of docs/distillation.md: the students, the ablations, the KITTI flow and the scores
# against ground truth. About 110 minutes on 2 cores. Results go to out/evidence/ (results.txt has every score).
# Run scripts/setup.sh first; `../shared` must hold the data (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
E=out/evidence
mkdir -p "$E"
dd=./scripts/depth-distill
dn=./scripts/depthnode

score() {   # score <name> <model>: AbsRel / δ1 / RMSE on SUN3D and NYU, unaligned and scale-shift aligned
  for data in sun3d_fragment1 nyu; do for align in none scale_shift; do
    echo "$1 $data $align $($dn eval --model "$2" --data ../shared/data/$data --align $align 2>/dev/null | grep 'mean (frames)')" >> "$E/results.txt"
  done; done
}

score teacher models/fastdepth_7.onnx
$dd label --config config/distill/evidence/A_one.yaml                         # the shared FastDepth cache
for run in A_one; do $dd train --config config/distill/evidence/$run.yaml; score $run $E/$run/student.onnx; done
$dd label --config config/distill/evidence/B_two.yaml --teacher assistant      # A_one's student as a teacher
for run in B_two C_sc D_global E_noanchor G_lg224 H_sc224 B_two_seed8 I_feat B_long; do
  $dd train --config config/distill/evidence/$run.yaml
  score $run $E/$run/student.onnx
done

$dn kitti2bag ../shared/data/kitti/odometry_07 $E/kitti07 --force
$dd label --config config/distill/evidence/K_kitti.yaml
$dd train --config config/distill/evidence/K_kitti.yaml
score K_kitti $E/K_kitti/student.onnx
$dn run --bag $E/kitti07 --model models/fastdepth_7.onnx --out $E/K_kitti-run-teacher --force
$dn run --bag $E/kitti07 --model $E/K_kitti/student.onnx --out $E/K_kitti-run-student --force
cat "$E/results.txt"
