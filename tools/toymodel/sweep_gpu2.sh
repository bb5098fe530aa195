#!/bin/bash
# Second sweep (development aid): ways out of the colour shortcut.
set -u
OUT=${OUT:-/tmp/sweep}
mkdir -p "$OUT" /tmp/sw
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
T=tools/toymodel/train.py
LIM=${LIM:-230}
P=shape=0.8,colour=0.5,size=0.4,position=0.5
common="--device cuda --threads 1 --workers 3 --eval-every 800 --eval-scenes 200,200 --time-limit $LIM --variant naflex --square-prob 0.5 --steps 1700"
run() { name=$1; shift; ( python3 $T --out /tmp/sw/$name/naflex --export-fixed /tmp/sw/$name/fixed $common "$@" > /tmp/sw/$name.log 2>&1 ) & }
run R1 --lr 2e-3 --curriculum 0.3 --subset-probs $P
run R2 --lr 2e-3 --aux 1
run R3 --lr 2e-3 --curriculum 0.3 --subset-probs $P --aux 1
run R4 --lr 1e-3 --curriculum 0.5 --subset-probs $P
wait
for n in R1 R2 R3 R4; do
  mkdir -p /tmp/sw/$n; cp /tmp/sw/$n.log /tmp/sw/$n/
  tar -czf "$OUT/$n.tgz" -C /tmp/sw $n
  echo "== $n"; grep -E "^eval|time limit|Error" /tmp/sw/$n.log | tail -5
done
