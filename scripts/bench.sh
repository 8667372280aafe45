#!/usr/bin/env bash
# Measures tempsweep against find, jq and gojq side by side, and prints the
# ratio of the median run times (tempsweep / other) and peak memory.
#
#   bash scripts/bench.sh             full sizes, about 10 minutes
#   BENCH_QUICK=1 bash scripts/bench.sh   a tenth of the sizes, for a smoke run
#
# Each comparison is one hyperfine run, so both commands see the same machine
# state; medians come from hyperfine's --export-json. The data sets are made
# under a temporary folder that is removed at the end (BENCH_KEEP=1 keeps it).
# Installs hyperfine, jq, GNU time (Debian packages) and the gojq command
# (Go module proxy, into the temporary folder) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=${BENCH_QUICK:-}
if [ -n "$quick" ]; then
	list_files=20000 records=100000 delete_files=5000
else
	list_files=200000 records=1000000 delete_files=50000
fi
# jq and gojq take about 15 s for the million records, so the filter
# comparisons run fewer times than the others, and twice on one core.
runs=5 warmup=1
slow_runs=3 slow_warmup=0
single_core_runs=2
program='select(.size > 3000 and .age > 86400)'

work=$(mktemp -d "${TMPDIR:-/tmp}/tempsweep-bench.XXXXXX")
if [ -z "${BENCH_KEEP:-}" ]; then
	trap 'rm -rf "$work"' EXIT
fi

apt_updated=
install_deb() {
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "$apt_updated" ]; then
		apt-get update -qq
		apt_updated=1
	fi
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v hyperfine >/dev/null || install_deb hyperfine
command -v jq >/dev/null || install_deb jq
[ -x /usr/bin/time ] || install_deb time
command -v taskset >/dev/null || install_deb util-linux
gojq=$(command -v gojq || true)
if [ -z "$gojq" ]; then
	GOBIN="$work/bin" go install github.com/itchyny/gojq/cmd/gojq@v0.12.19
	gojq="$work/bin/gojq"
fi

echo "== building tempsweep and the data generator"
go build -o "$work/tempsweep" ./cmd/tempsweep
go build -o "$work/benchgen" ./scripts/benchgen
ts="$work/tempsweep"
gen="$work/benchgen"

echo "== making $list_files files and $records records in $work"
"$gen" files "$work/files" "$list_files"
"$ts" list "$work/files" >"$work/listed.ndjson"
"$gen" records "$records" <"$work/listed.ndjson" >"$work/records.ndjson"
"$gen" records "$records" array <"$work/listed.ndjson" >"$work/records-array.json"
# The delete comparison re-creates this folder before every run.
delete_dir="$work/delete"
delete_prepare="rm -rf '$delete_dir' && '$gen' files '$delete_dir' $delete_files"

results=()
# compare NAME TARGET COMMAND OTHER: runs both commands in one hyperfine
# run and records the ratio of their medians. A TARGET of - marks a
# reference measurement, which has no target.
compare() {
	local name=$1 target=$2 ours=$3 other=$4
	shift 4
	local json="$work/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').json"
	echo "== $name"
	hyperfine --style basic --warmup "$warmup" --runs "$runs" --export-json "$json" "$@" "$ours" "$other"
	local ratio
	ratio=$(jq -r '(.results | map(.median)) as $m | ($m[0] / $m[1]) * 1000 | round / 1000' "$json")
	if [ "$target" = - ]; then
		results+=("$name|$ratio|-|reference")
	else
		results+=("$name|$ratio|<= $target|$(verdict "$ratio" "$target")")
	fi
}

verdict() {
	if awk -v v="$1" -v t="$2" 'BEGIN { exit !(v <= t) }'; then echo PASS; else echo MISS; fi
}

# peak NAME TARGET_MIB COMMAND: records the peak RSS of one run of COMMAND.
peak() {
	local name=$1 target=$2 cmd=$3
	echo "== $name"
	local kib
	kib=$(/usr/bin/time -f '%M' bash -c "$cmd >/dev/null" 2>&1 >/dev/null | tail -1)
	local mib
	mib=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')
	echo "peak RSS: $mib MiB"
	results+=("$name|$mib MiB|<= $target MiB|$(verdict "$mib" "$target")")
}

dir="$work/files"
compare "list, 2 cores" 0.7 \
	"'$ts' list '$dir'" \
	"find '$dir' -type f -printf '%p %s %T@\n'" \
	--output null
compare "list, 1 core" 1.0 \
	"taskset -c 0 '$ts' list '$dir'" \
	"taskset -c 0 find '$dir' -type f -printf '%p %s %T@\n'" \
	--output null

in="$work/records.ndjson"
runs=$slow_runs warmup=$slow_warmup
compare "filter vs jq, 2 cores" 0.3 \
	"'$ts' filter '$program' -i '$in'" \
	"jq -c '$program' '$in'" \
	--output null
compare "filter vs gojq, 2 cores" 0.3 \
	"'$ts' filter '$program' -i '$in'" \
	"'$gojq' -c '$program' '$in'" \
	--output null
runs=$single_core_runs
compare "filter vs jq, 1 core" 0.45 \
	"taskset -c 0 '$ts' filter '$program' -i '$in'" \
	"taskset -c 0 jq -c '$program' '$in'" \
	--output null
compare "filter vs gojq, 1 core" 0.45 \
	"taskset -c 0 '$ts' filter '$program' -i '$in'" \
	"taskset -c 0 '$gojq' -c '$program' '$in'" \
	--output null

runs=5 warmup=1
compare "list then delete vs find -delete" 1.1 \
	"'$ts' list --match '*.mmp' '$delete_dir' | '$ts' delete --root '$delete_dir' >/dev/null" \
	"find '$delete_dir' -name '*.mmp' -delete" \
	--prepare "$delete_prepare"
# The floor under the line above: the system calls of delete's checks
# (statx, open, lease, statx of the descriptor, a look at the lease,
# unlink, close) with no JSON, no pipe and no list, on every core.
compare "delete's system calls alone vs find -delete" - \
	"'$gen' lease-unlink '$delete_dir'" \
	"find '$delete_dir' -name '*.mmp' -delete" \
	--prepare "$delete_prepare"

peak "peak RSS, filter $records records" 48 "'$ts' filter '$program' -i '$in'"
peak "peak RSS, filter $records-element array" 48 "'$ts' filter '$program' -i '$work/records-array.json'"
peak "peak RSS, list $list_files files" 48 "'$ts' list '$dir'"

echo
echo "== results on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
{
	echo "measure|ratio or peak|target|verdict"
	printf '%s\n' "${results[@]}"
} | column -t -s '|'
