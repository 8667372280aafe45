#!/usr/bin/env bash
# Builds tempsweep, generates a sample Exchange Webtemp folder in demo/ and
# runs the cleanup pipeline on it: a dry run first, then for real.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=bin/tempsweep
go build -o "$bin" ./cmd/tempsweep

demo=$PWD/demo
webtemp=$demo/Exchsrvr/Webtemp
rm -rf "$demo"
mkdir -p "$webtemp/sub.mmp" "$demo/outside"

old=$(date -d '3 days ago' '+%Y%m%d%H%M')
for i in 1 2 3 4 5; do
	head -c $((2048 + i * 100)) /dev/zero >"$webtemp/session-$i.mmp"
	touch -t "$old" "$webtemp/session-$i.mmp"
done
head -c 3000 /dev/zero >"$webtemp/[user 7] -dash ünïcode.mmp"
touch -t "$old" "$webtemp/[user 7] -dash ünïcode.mmp"
for i in 1 2; do head -c 2500 /dev/zero >"$webtemp/fresh-$i.mmp"; done
echo keep >"$webtemp/readme.txt" && touch -t "$old" "$webtemp/readme.txt"
head -c 2048 /dev/zero >"$webtemp/readonly.mmp" && touch -t "$old" "$webtemp/readonly.mmp"
chmod a-w "$webtemp/readonly.mmp"
head -c 2048 /dev/zero >"$webtemp/locked.mmp" && touch -t "$old" "$webtemp/locked.mmp"
echo precious >"$demo/outside/precious.mmp" && touch -t "$old" "$demo/outside/precious.mmp"
ln -s "$demo/outside/precious.mmp" "$webtemp/link.mmp"

# A process that holds locked.mmp open, as a web worker would.
sleep 600 <"$webtemp/locked.mmp" &
holder=$!
trap 'kill $holder 2>/dev/null || true' EXIT

echo "== Sample folder: $webtemp"
ls -la "$webtemp"

echo
echo "== Service gate: tempsweep check-services --require stopped W3SVC WLBS"
gate=(cat)
if "$bin" check-services --require stopped --missing-ok w3svc wlbs </dev/null; then
	gate=("$bin" check-services --require stopped --missing-ok w3svc wlbs)
	echo "gate open: the pipeline below passes through it"
else
	echo "gate closed here (see the message above), so the pipeline below runs without it"
fi

pipeline() {
	"$bin" list --match '*.mmp' "$webtemp" |
		"$bin" filter 'select(older_than("1d"))' |
		"${gate[@]}" |
		"$bin" delete --root "$webtemp" "$@"
}

echo
echo "== Dry run"
pipeline --dry-run --output table || true

echo
echo "== For real, logging to demo/tempsweep.log"
pipeline --log "$demo/tempsweep.log" --output table || true

echo
echo "== Left in the folder"
ls -la "$webtemp"
test -e "$demo/outside/precious.mmp" && echo "outside/precious.mmp is still there"
echo
echo "== Log: $(wc -l <"$demo/tempsweep.log") records in demo/tempsweep.log"
