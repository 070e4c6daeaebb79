#!/usr/bin/env bash
# How fast the real `assetsync` imports Okta users into a fresh embedded store, and how fast it
# finds that a second run of the same source changes nothing. Three commands, one run each, on
# the same store:
#
#   first import     assetsync apply MAP --source FILE --store NEW.db
#   no-op re-plan    assetsync plan  MAP --source FILE --store NEW.db --format json > /dev/null
#   no-op re-apply   assetsync apply MAP --source FILE --store NEW.db
#
# For each: wall seconds, objects per second (objects = what the store holds after the first
# import: the users plus the roles, groups and apps they reference) and peak RSS, from
# /usr/bin/time. The re-plan must plan nothing to create or update; the script checks it.
#
#   benches/import-speed.sh              # 100,000 users (about 112 MB of JSON Lines)
#   USERS=20000 benches/import-speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."

users=${USERS:-100000}
data_dir=target/bench-data
data=$data_dir/users-$users.jsonl
mapping=benches/okta-users.map
bin=target/release/assetsync

cargo build --release --quiet --bin assetsync --example gen_users
mkdir -p "$data_dir"
if [ ! -s "$data" ]; then
  echo "generating $users users (fixed seed) into $data" >&2
  target/release/examples/gen_users "$users" > "$data.tmp" && mv "$data.tmp" "$data"
fi
size=$(stat -c %s "$data")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
store=$work/assets.db
common=("$mapping" --object-type Users --source "$data" --store "$store")

# run NAME COMMAND...: runs the command once under /usr/bin/time, its stdout into
# $work/NAME.out; leaves "seconds KB" in $work/NAME.time.
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out"
}

run first "$bin" apply "${common[@]}"
run replan "$bin" plan "${common[@]}" --format json
run reapply "$bin" apply "${common[@]}"

# The store's objects, and the re-plan's summary: it must change nothing.
objects=$("$bin" store dump --store "$store" | jq '.objects | length')
read -r create update unchanged < <(jq -r \
  '[.sections[].summary] | "\(map(.create) | add) \(map(.update) | add) \(map(.unchanged) | add)"' \
  "$work/replan.out")
if [ "$create" != 0 ] || [ "$update" != 0 ]; then
  echo "error: the re-plan is not a no-op: $create create(s), $update update(s)" >&2
  exit 1
fi

echo "$users users, $((size / 1000000)) MB of JSON Lines, $objects objects in the store ($((objects - users)) roles, groups and apps); re-plan: $unchanged unchanged, 0 create, 0 update"
printf '%-16s %9s %12s %10s\n' step "wall s" objects/s "peak MiB"
for step in first:"first import" replan:"no-op re-plan" reapply:"no-op re-apply"; do
  name=${step%%:*}
  read -r t kb < "$work/$name.time"
  awk -v n="${step#*:}" -v t="$t" -v o="$objects" -v kb="$kb" \
    'BEGIN {printf "%-16s %9.2f %12.0f %10.1f\n", n, t, (t > 0 ? o / t : 0), kb / 1024}'
done
