#!/bin/bash
# Hyper-parameter sweep on a GPU machine (development aid, not part of the
# build): runs several recipes side by side, each with its own data workers,
# and leaves one tarball per recipe (model folders + log) in $OUT.
#   OUT=/tmp/sweep bash tools/toymodel/sweep_gpu.sh
set -u
OUT=${OUT:-/tmp/sweep}
mkdir -p "$OUT" /tmp/sw
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
T=tools/toymodel/train.py
LIM=${LIM:-330}
common="--device cuda --threads 1 --workers 2 --eval-every 700 --eval-scenes 200,200 --time-limit $LIM"
run() { name=$1; shift; ( "$@" > /tmp/sw/$name.log 2>&1 ) & }
# A: separate models, NaFlex fine-tuned from the fixed one
run A bash -c "python3 $T --variant fixed --out /tmp/sw/A/fixed --steps 1400 --lr 2e-3 $common --time-limit 220 && \
  python3 $T --variant naflex --init /tmp/sw/A/fixed --out /tmp/sw/A/naflex --steps 700 --lr 1e-3 --warmup 0.1 $common --time-limit 110"
# B-F: one NaFlex model trained on 64x64 and free-aspect scenes, exported twice
run B python3 $T --variant naflex --square-prob 0.5 --out /tmp/sw/B/naflex --export-fixed /tmp/sw/B/fixed --steps 2100 --lr 2e-3 $common
run C python3 $T --variant naflex --square-prob 0.5 --out /tmp/sw/C/naflex --export-fixed /tmp/sw/C/fixed --steps 2100 --lr 3e-3 $common
run D python3 $T --variant naflex --square-prob 0.5 --out /tmp/sw/D/naflex --export-fixed /tmp/sw/D/fixed --steps 2100 --lr 2e-3 --neg 2 $common
run E python3 $T --variant naflex --square-prob 0.5 --out /tmp/sw/E/naflex --export-fixed /tmp/sw/E/fixed --steps 4000 --batch 64 --lr 2e-3 $common
run F python3 $T --variant naflex --square-prob 0.5 --out /tmp/sw/F/naflex --export-fixed /tmp/sw/F/fixed --steps 4000 --lr 2e-3 $common
wait
for n in A B C D E F; do
  cp /tmp/sw/$n.log /tmp/sw/$n/ 2>/dev/null
  tar -czf "$OUT/$n.tgz" -C /tmp/sw $n 2>/dev/null
  echo "== $n"; grep -E "eval|time limit|wrote|Error|error" /tmp/sw/$n.log | tail -8
done
