#!/usr/bin/env bash
# How fast `assetsync eval` turns Okta users into object images, beside the time a JSON reader
# needs just to parse the same file (into `Value`) or to check it (the scan floor), and beside
# jq and jaq when they are installed. Every figure is the median of RUNS wall times, measured in
# this one run with the commands taking turns; the output of every command goes to /dev/null.
#
#   benches/eval-speed.sh                # 200,000 users (about 220 MB), 3 rounds
#   USERS=50000 RUNS=5 benches/eval-speed.sh
#   COMPARE=/path/to/older/assetsync benches/eval-speed.sh   # an older build, in the same rounds
set -euo pipefail
cd "$(dirname "$0")/.."

users=${USERS:-200000}
runs=${RUNS:-3}
data_dir=target/bench-data
data=$data_dir/users-$users.jsonl
mapping=benches/okta-users.map

cargo build --release --quiet --bin assetsync --example gen_users --example baseline
mkdir -p "$data_dir"
if [ ! -s "$data" ]; then
  echo "generating $users users (fixed seed) into $data" >&2
  target/release/examples/gen_users "$users" > "$data.tmp" && mv "$data.tmp" "$data"
fi
size=$(stat -c %s "$data")

# jq program giving the same images as the mapping (for comparison only).
jq_program='def q: "Name = " + tojson;
{section: "Users", object_type: "Users", key: {attribute: "WorkerID", value: .id},
 attributes: {"Department": [.profile.department | values], "First Name": [.profile.firstName | values],
   "Last Name": [.profile.lastName | values], "User": [.profile.email | values], "WorkerID": [.id]},
 references: {"Apps": [.apps[]? | {object_type: "Apps", aql: q}],
   "Groups": [.groups[]? | {object_type: "Groups", aql: q}],
   "Roles": [.roles[]? | {object_type: "Roles", aql: q}]},
 errors: []}'

# The commands, by name. They run in rounds (each command once a round, in this order), so that
# a spell of slowness on a shared machine falls on all of them, not on one.
declare -A command
names=(scan parse assetsync)
command[scan]="target/release/examples/baseline scan $data"
command[parse]="target/release/examples/baseline parse $data"
command[assetsync]="target/release/assetsync eval $mapping --object-type Users --source $data"
if [ -n "${COMPARE:-}" ]; then
  names+=(compare)
  command[compare]="$COMPARE eval $mapping --object-type Users --source $data"
fi
for tool in jq jaq; do
  if command -v "$tool" > /dev/null; then
    names+=("$tool")
    command[$tool]="$tool -c \"\$jq_program\" $data"
  else
    echo "($tool is not installed: skipped)" >&2
  fi
done

declare -A times peak
for n in "${names[@]}"; do times[$n]=""; peak[$n]=0; done
for round in $(seq "$runs"); do
  echo "round $round of $runs" >&2
  for n in "${names[@]}"; do
    eval "/usr/bin/time -f '%e %M' -o '$data_dir/time' ${command[$n]}" > /dev/null
    read -r t m < "$data_dir/time"
    times[$n]+="$t "
    [ "$m" -gt "${peak[$n]}" ] && peak[$n]=$m
  done
done

# median wall seconds of a list of times
median() {
  printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

declare -A median rss
for n in "${names[@]}"; do
  median[$n]=$(median "${times[$n]}")
  rss[$n]=$(awk -v m="${peak[$n]}" 'BEGIN {printf "%.1f", m / 1024}')
done

echo "$users users, $((size / 1000000)) MB, median of $runs rounds"
printf '%-10s %9s %9s %11s %10s\n' command seconds MB/s "x scan" "peak MiB"
for n in "${names[@]}"; do
  awk -v n="$n" -v t="${median[$n]}" -v s="${median[scan]}" -v b="$size" -v m="${rss[$n]}" \
    'BEGIN {printf "%-10s %9.2f %9.0f %10.2fx %10.1f\n", n, t, b / t / 1e6, t / s, m}'
done
