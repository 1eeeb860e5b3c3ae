#!/usr/bin/env bash
# Train every model of tools/train_reader.py's plan side by side (one process each; on a GPU
# they share it), then join their scores. Usage:
#   tools/train_reader_parallel.sh DATA BASE_DIR OUT_DIR [extra train_reader options]
set -euo pipefail
data=$1 base=$2 out=$3
shift 3
py=${PYTHON:-python3}
mkdir -p "$out"
pids=()
for name in final part-a part-b part-c squad-0 squad-1 squad-2 squad-3; do
  "$py" -m tools.train_reader --data "$data" --base "$base" --out "$out" --only "$name" "$@" \
    >"$out/stdout-$name.txt" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
"$py" -m tools.train_reader --data "$data" --base "$base" --out "$out" --merge
cat "$out"/stdout-*.txt >"$out/stdout.txt" && rm -f "$out"/stdout-*.txt
exit $status
