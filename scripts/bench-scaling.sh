#!/usr/bin/env bash
# Measures how list and delete scale with the number of files. For each
# count it makes a folder of that many *.mmp files, lists it to a file and
# deletes everything listed. Then it prints each step's wall time and peak RSS.
#
#   bash scripts/bench-scaling.sh                 10,000, 100,000 and 1,000,000 files
#   bash scripts/bench-scaling.sh 5000 50000      other counts
#
# Every check of delete runs. The folder is made under a temporary folder
# that is removed at the end. Needs GNU time (Debian package time).
set -euo pipefail
cd "$(dirname "$0")/.."

counts=("$@")
if [ ${#counts[@]} -eq 0 ]; then
	counts=(10000 100000 1000000)
fi
if [ ! -x /usr/bin/time ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends time >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tempsweep-scaling.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/tempsweep" ./cmd/tempsweep
go build -o "$work/benchgen" ./scripts/benchgen
ts="$work/tempsweep"

# measure LABEL COMMAND...: runs COMMAND and prints its wall time and peak RSS.
measure() {
	local label=$1
	shift
	/usr/bin/time -f "$label|%e s|%M" -o "$work/time.txt" "$@"
	awk -F'|' '{ printf "%s|%s|%.1f MiB\n", $1, $2, $3 / 1024 }' "$work/time.txt" >>"$work/results.txt"
}

echo "step|wall time|peak RSS" >"$work/results.txt"
for count in "${counts[@]}"; do
	dir="$work/files-$count"
	echo "== $count files"
	"$work/benchgen" files "$dir" "$count"
	measure "list $count files" sh -c "'$ts' list --match '*.mmp' '$dir' >'$work/listed.ndjson'"
	measure "delete $count files" sh -c "'$ts' delete --root '$dir' -i '$work/listed.ndjson' >'$work/deleted.ndjson'"
	left=$(find "$dir" -type f | wc -l)
	deleted=$(grep -c '"action":"deleted"' "$work/deleted.ndjson" || true)
	echo "deleted $deleted of $count, $left left"
	rm -rf "$dir"
done
echo
column -t -s '|' "$work/results.txt"
