#!/usr/bin/env bash
# bench-conftest.sh times Conftest against capcheck on the 10,000-file tree
# of BenchmarkDiscoverGenerated10000 (BENCHMARKS.md, "Speed"): whole
# commands, process start included, each run RUNS times (default 5).
#
#   bash scripts/bench-conftest.sh            # from the repository root
#   RUNS=10 CONFTEST_VERSION=v0.71.1 bash scripts/bench-conftest.sh
#
# Conftest is installed with `go install` from the Go module proxy into a
# temporary directory (nothing is left behind). The tree is written by the
# Go test that checks the benchmarks' generator (TestWriteMixedMonorepo
# -monorepo DIR), so both tools read the files the benchmark reads. Conftest
# parses every .tf file and evaluates one trivial Rego rule per file;
# capcheck inventory walks, scans, parses and evaluates the same tree
# (Discover, the whole of capcheck's Terraform reading).
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${RUNS:-5}
version=${CONFTEST_VERSION:-v0.71.1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "installing conftest $version and building capcheck ..." >&2
GOBIN="$work/bin" go install "github.com/open-policy-agent/conftest@$version"
go build -o "$work/bin/capcheck" ./cmd/capcheck

echo "writing the tree ..." >&2
go test -count=1 -run '^TestWriteMixedMonorepo$' ./inventory/terraform -args -monorepo "$work/tree" >/dev/null
files=$(find "$work/tree" -name '*.tf' | wc -l)

mkdir "$work/policy"
cat >"$work/policy/trivial.rego" <<'EOF'
package main

deny contains msg if {
	input.resource.aws_ec2_capacity_reservation[name].instance_count > 1000
	msg := sprintf("%s reserves more than 1000 instances", [name])
}
EOF

# run LABEL CMD...: RUNS timed runs of CMD (which must exit 0), then the
# fastest and the median in seconds.
run() {
	local label=$1
	shift
	local times=() start end
	for _ in $(seq "$runs"); do
		start=$(date +%s%N)
		"$@" >/dev/null
		end=$(date +%s%N)
		times+=("$(((end - start) / 1000000))")
	done
	printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" -v n="$runs" \
		'{t[NR] = $1} END {printf "%-40s fastest %6.2f s   median %6.2f s   (%d runs)\n", label, t[1] / 1000, t[int((n + 1) / 2)] / 1000, n}'
}

echo "$files .tf files; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run "conftest test (hcl2, 1 trivial rule)" "$work/bin/conftest" test --no-color -p "$work/policy" "$work/tree"
run "capcheck inventory" "$work/bin/capcheck" inventory "$work/tree"
