#!/usr/bin/env bash
# Checks the PowerShell files under scripts/ for syntax errors, PowerShell 7-only
# syntax and manifest/module mismatches, using tree-sitter-powershell under Node.js.
# Needs node and npm. tree-sitter 0.25.0 ships no prebuilt binary for Linux, so
# the first install compiles it with the machine's C++ compiler (about 40 s).
# The last line of output is "pscheck: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules/tree-sitter-powershell ] || [ ! -d node_modules/tree-sitter/build ]; then
	if [ -f package-lock.json ]; then
		npm ci --no-audit --no-fund --loglevel=error >/dev/null
	else
		npm install --no-audit --no-fund --loglevel=error >/dev/null
	fi
fi

node check.mjs --self-test
node check.mjs "$@"
