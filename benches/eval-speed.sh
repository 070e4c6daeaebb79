#!/usr/bin/env bash
# How fast `assetsync eval` turns Okta users into object images, beside the time a JSON reader
# needs just to parse the same file (into `Value`) or to check it (the scan floor), and beside
# jq and jaq when they are installed. Every figure is the median of RUNS wall times, measured in
# this one run; the output of every command is written to /dev/null.
#
#   benches/eval-speed.sh                # 200,000 users (about 220 MB), 3 runs each
#   USERS=50000 RUNS=5 benches/eval-speed.sh
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

# median wall seconds and max peak RSS (MiB) of `runs` runs of a command
measure() {
  local times=() peak=0 t m
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$data_dir/time" "$@" > /dev/null
    read -r t m < "$data_dir/time"
    times+=("$t")
    [ "$m" -gt "$peak" ] && peak=$m
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v peak="$peak" '{a[NR]=$1} END {printf "%s %.1f\n", a[int((NR+1)/2)], peak/1024}'
}

declare -A median rss
names=(scan parse assetsync)
read -r median[scan] rss[scan] < <(measure target/release/examples/baseline scan "$data")
read -r median[parse] rss[parse] < <(measure target/release/examples/baseline parse "$data")
read -r median[assetsync] rss[assetsync] < <(measure target/release/assetsync eval "$mapping" --object-type Users --source "$data")
for tool in jq jaq; do
  if command -v "$tool" > /dev/null; then
    names+=("$tool")
    read -r median[$tool] rss[$tool] < <(measure "$tool" -c "$jq_program" "$data")
  else
    echo "($tool is not installed: skipped)" >&2
  fi
done

echo "$users users, $((size / 1000000)) MB, median of $runs runs"
printf '%-10s %9s %9s %11s %10s\n' command seconds MB/s "x scan" "peak MiB"
for n in "${names[@]}"; do
  awk -v n="$n" -v t="${median[$n]}" -v s="${median[scan]}" -v b="$size" -v m="${rss[$n]}" \
    'BEGIN {printf "%-10s %9.2f %9.0f %10.2fx %10.1f\n", n, t, b / t / 1e6, t / s, m}'
done
