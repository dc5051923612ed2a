#!/bin/bash
# same-output.sh REF NEW [DIR]: runs two builds of backprop-tex on the same inputs and says
# whether every output is byte-identical (issue 15: a redesign moves code, never output).
#
# Inputs: every examples/*.nn, tests/rows/networks/*.nn and tests/errors/*.nn, plus 30
# networks `gen` makes from seeds. Each derives in every combination of the options that
# change text (format, language, environment, form, carrying, digits, flavor); each network
# is also run through `check`; exam.nn and custom.nn make a 1,000-variant exam bundle whose
# files (the Canvas zip included) are compared too. Exit status 0 when all is identical.
set -u
REF=$(realpath "$1"); NEW=$(realpath "$2"); DIR=${3:-$(mktemp -d)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$DIR/ref" "$DIR/new" "$DIR/gen"; mkdir -p "$DIR/ref" "$DIR/new" "$DIR/gen"

sizes=(3,2,2 4,3,2 2,3,3,2 12,10,3 5,4 30,12,5 3,4,4,3 10,10,10)
acts=(sigmoid,identity tanh,softmax relu,identity softplus,sigmoid leaky_relu,tanh sigmoid,sigmoid)
for s in $(seq 1 30); do
  sz=${sizes[$((s % ${#sizes[@]}))]}; ac=${acts[$((s % ${#acts[@]}))]}
  layers=$(( $(echo "$sz" | tr ',' '\n' | wc -l) - 1 ))
  [ "$layers" = 1 ] && ac=${ac%%,*}
  [ "$layers" = 3 ] && [[ $ac == *softmax* ]] && ac=tanh,relu,softmax
  bias=""; [ $((s % 2)) = 1 ] && bias=--bias
  "$REF" gen --sizes "$sz" --seed "$s" --acts "$ac" $bias > "$DIR/gen/gen$s.nn"
done

options=(
  "-f latex" "-f latex --no-diagram" "-f latex --lang ja" "-f latex --env align"
  "-f latex --lang ja --env align" "-f latex --form matrix" "-f latex --form both"
  "-f latex --form both --lang ja --env align" "-f latex --carry rounded"
  "-f latex --carry rounded --form both" "-f latex --digits 2" "-f latex --digits 6 --form both"
  "-f markdown --flavor qiita" "-f markdown --flavor zenn" "-f markdown --flavor github"
  "-f markdown --flavor zenn --lang ja --form both" "-f markdown --carry rounded --digits 2"
  "-f json" "-f json --carry rounded" "-f document" "-f document --lang ja --form both"
  "-f svg" "-f svg --lang ja"
)
cases() {
  for f in "$ROOT"/examples/*.nn "$ROOT"/tests/rows/networks/*.nn "$ROOT"/tests/errors/*.nn "$DIR"/gen/*.nn; do
    b=$(basename "$(dirname "$f")")-$(basename "$f" .nn)
    i=0
    for o in "${options[@]}"; do echo "$b-$i|$f|derive $f $o"; i=$((i + 1)); done
    echo "$b-check|$f|check $f"
  done
}
one() { # BIN OUT "name|file|command"
  IFS='|' read -r name _ cmd <<< "$3"
  # shellcheck disable=SC2086
  (cd "$ROOT" && "$1" $cmd) > "$2/$name" 2>&1; echo "exit $?" >> "$2/$name"
}
export -f one; export ROOT
cases | xargs -P2 -d '\n' -I{} bash -c 'one "$0" "$1" "$2"' "$REF" "$DIR/ref" {}
cases | xargs -P2 -d '\n' -I{} bash -c 'one "$0" "$1" "$2"' "$NEW" "$DIR/new" {}

cat > "$DIR/gen/asks.nn" <<'NN'
title "Two samples"
input  x = [[1, 2, 3], [0, 1, 2]]
target t = [[0, 1], [1, 0]]
layer tanh W = [[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]] b = [0.1, 0.2]
layer softmax W = [[1, 2], [3, 4]]
loss cross_entropy
sgd lr = 0.1, steps = 2
vary W1 in [-0.5, 0.5] step 0.1
vary b1 in {-1, 1}
ask a 1
ask delta1 1
ask z2 1
ask update w12 1
ask E
NN
for bin in ref new; do
  B=$REF; [ $bin = new ] && B=$NEW
  for ex in "$ROOT/examples/exam.nn" "$DIR/gen/asks.nn"; do
    out="$DIR/$bin/exam-$(basename "$ex" .nn)"
    (cd "$DIR/$bin" && "$B" exam "$ex" --variants 1000 --seed 7 -o "$(basename "$out")") > "$out.log" 2>&1
    echo "exit $?" >> "$out.log"
  done
done

n=$(find "$DIR/ref" -type f | wc -l)
if diff -r "$DIR/ref" "$DIR/new" > "$DIR/diff.txt"; then
  echo "identical: $n files (in $DIR)"
else
  echo "DIFFERENT: $(grep -c '^diff\|^Only\|^Binary' "$DIR/diff.txt") of $n files; see $DIR/diff.txt"
  grep '^diff\|^Only\|^Binary' "$DIR/diff.txt" | head -20
  exit 1
fi
