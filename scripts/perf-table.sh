#!/usr/bin/env bash
# Measures backprop-tex on generated networks: wall time (the median of 5 runs, each writing a
# new file, process start included), peak RSS (the largest of the 5, from /usr/bin/time -v) and
# output bytes, per size and format; prints the Markdown tables of docs/performance.md.
# Run from the repository root: scripts/perf-table.sh
set -euo pipefail
cargo build --quiet --release
bin=target/release/backprop-tex
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=5

# measure FILE ARGS…: prints "wall rss" (seconds, MB)
measure() {
  local walls=() rss=0
  for _ in $(seq "$runs"); do
    rm -f "$work/out"
    local start end
    start=$(date +%s%N)
    /usr/bin/time -v "$bin" derive "$@" -o "$work/out" 2> "$work/time"
    end=$(date +%s%N)
    walls+=("$(awk -v ns=$(( end - start )) 'BEGIN {printf "%.3f", ns/1e9}')")
    local r
    r=$(grep "Maximum resident" "$work/time" | awk '{print $NF}')
    (( r > rss )) && rss=$r
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  echo "$median $(awk -v r="$rss" 'BEGIN {printf "%.1f", r/1024}')"
}

echo "| network | weights | format | wall (s) | peak RSS (MB) | output (MB) |"
echo "|---|---:|---|---:|---:|---:|"
for sizes in 3,2,2 10,10,10 50,50,50,10 196,100,10 784,100,10; do
  "$bin" gen --sizes "$sizes" --seed 1 -o "$work/net.nn"
  weights=$(python3 -c "s=[int(v) for v in '$sizes'.split(',')]; print(sum(a*b for a,b in zip(s,s[1:])))")
  for format in json latex markdown; do
    read -r wall rss < <(measure "$work/net.nn" -f "$format")
    bytes=$(stat -c %s "$work/out" | awk '{printf "%.2f", $1/1048576}')
    echo "| ${sizes//,/-} | $weights | $format | $wall | $rss | $bytes |"
  done
done

echo
start=$(date +%s%N)
for _ in $(seq 200); do "$bin" derive examples/article.nn > /dev/null; done
end=$(date +%s%N)
echo "The article's network: $(( (end - start) / 200000 )) µs per process (200 runs of derive examples/article.nn)."

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
