#!/usr/bin/env bash
# Measures backprop-tex on generated networks: wall time, peak RSS (/usr/bin/time -v) and output
# bytes, per size and format; prints a Markdown table for docs/performance.md.
# Run from the repository root: scripts/perf-table.sh
set -euo pipefail
cargo build --quiet --release
bin=target/release/backprop-tex
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| network | weights | format | wall (s) | peak RSS (MB) | output (MB) |"
echo "|---|---:|---|---:|---:|---:|"
for sizes in 3,2,2 10,10,10 50,50,50,10 196,100,10 784,100,10; do
  "$bin" gen --sizes "$sizes" --seed 1 -o "$work/net.nn"
  weights=$(python3 -c "s=[int(v) for v in '$sizes'.split(',')]; print(sum(a*b for a,b in zip(s,s[1:])))")
  for format in json latex markdown; do
    /usr/bin/time -v "$bin" derive "$work/net.nn" -f "$format" -o "$work/out" 2> "$work/time"
    wall=$(grep "Elapsed (wall clock)" "$work/time" | awk '{print $NF}' | awk -F: '{ if (NF==2) print $1*60+$2; else print $1 }')
    rss=$(grep "Maximum resident" "$work/time" | awk '{printf "%.1f", $NF/1024}')
    bytes=$(stat -c %s "$work/out" | awk '{printf "%.2f", $1/1048576}')
    echo "| ${sizes//,/-} | $weights | $format | $wall | $rss | $bytes |"
  done
done
echo
echo "First-layer gradient row (∂E/∂w_11^(1), formula and numbers) by depth, 3 units per layer:"
echo
echo "| layers | bytes of the row |"
echo "|---:|---:|"
for depth in 3 4 5 6 8 10; do
  sizes=$(python3 -c "print(','.join(['3']*($depth+1)))")
  "$bin" gen --sizes "$sizes" --seed 1 -o "$work/deep.nn"
  "$bin" derive "$work/deep.nn" -o "$work/deep.tex"
  row=$(grep -A2 '^\\frac{\\partial E}{\\partial w_{11}^{(1)}}&' "$work/deep.tex" | head -1 | wc -c)
  echo "| $depth | $row |"
done
