#!/usr/bin/env bash
# Proves the suite bites: applies deliberate bugs, one at a time, to a scratch copy of the sources
# (a git worktree of HEAD under $MUTANTS_DIR, default /tmp/genai-mutants, whose build is kept between
# runs), runs the tests that should catch each, and reports it caught (those tests failed) or missed
# (they passed). Ends with one summary line; exits 1 if any bug was missed or did not apply.
#   scripts/mutants.sh                 # all of them (about an hour on 2 cores, the first build included)
#   scripts/mutants.sh crc email       # the named ones
# Not part of .ci/run. The tests' servers and clients come from scripts/test.sh's virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=${MUTANTS_DIR:-/tmp/genai-mutants}

# The tests' Debian and Python dependencies, as the suite itself gets them.
source scripts/test-env.sh

if [ ! -d "$scratch/.git" ] && [ ! -f "$scratch/.git" ]; then
  git worktree add --detach "$scratch" HEAD >/dev/null
fi
# A run that was cut short may have left a bug in the scratch copy: undo it, then move to HEAD.
git -C "$scratch" reset -q --hard
git -C "$scratch" checkout -q --detach "$(git rev-parse HEAD)"
trap 'git -C "$scratch" checkout -q -- . 2>/dev/null || true' EXIT
echo "scratch copy: $scratch at $(git -C "$scratch" rev-parse --short HEAD); building it once without bugs"
(cd "$scratch" && swift build --build-tests >/dev/null)

# One bug per line, tab-separated: name, file, exact text (<NL> is a line break), replacement, and
# the tests that must catch it (a `swift test --filter` pattern).
mutants=$(cat <<'EOF'
fsync	Sources/CollectorQueue/DiskQueue.swift	guard case .batch(let spacing) = config.fsync else { return seq }	guard case .batch(let spacing) = config.fsync, Bool(false) else { return seq }	DiskQueueTests
crc	Sources/CollectorQueue/DiskQueue+Files.swift	guard crc == get32(bytes, offset + 4) else { return nil }	guard crc == crc || crc == get32(bytes, offset + 4) else { return nil }	DiskQueueTests
retry	Sources/Exporters/OTLP/OTLPHTTPExporter.swift	[429, 502, 503, 504].contains(status)	[429, 502, 504].contains(status)	OTLPExporterClassificationTests
email	Sources/Processors/Redaction/PIIScanner.swift	if on(.email), let (s, e) = email(	if on(.email) && Bool(false), let (s, e) = email(	ProcessorsTests
cached	Sources/GenAISemantics/Rules/UsageRule.swift	count(max(0, input - cacheRead - cacheCreation - inputAudio))	count(max(0, input - cacheCreation - inputAudio))	GenAIMappingTests
auth	Sources/Receivers/HTTPServer/Credentials.swift	        return matched<NL>	        return matched || Bool(true)<NL>	EndToEndTests|ReceiverBoundaryTests
event_ts	Sources/Exporters/ClickHouse/ClickHouseExporter.swift	eventTimeMillis: Self.nowMillis()	eventTimeMillis: 1_700_000_000_000	ClickHouseExporterTests
memory	Sources/Processors/MemoryLimiter/Admission.swift	guard current <= limitBytes - bytes else { return false }	guard current <= Int.max - bytes else { return false }	AdmissionTests|oversizedBodiesAndPushback|grpcPushbackIsUnavailable|ReceiverBoundaryTests
environment	Sources/Processors/Environment/EnvironmentProcessor.swift	if let from = config.fromAttribute, let v = lookup(batch, from, span, resource) { return v }	if let from = config.fromAttribute, Bool(false), let v = lookup(batch, from, span, resource) { return v }	EnvironmentProcessorTests|EndToEndTests
s3_payload	Sources/Exporters/S3/SigV4.swift	\n\(signedHeaders)\n\(payloadHash)"	\n\(signedHeaders)\n\(Self.emptyPayloadHash)"	SigV4Tests|S3ExporterTests
json_leaves	Sources/Processors/Redaction/RedactionProcessor+Walker.swift	                let deny = config.denyKeys<NL>	                if Bool(true) { return .keep }<NL>                let deny = config.denyKeys<NL>	ProcessorsTests
drain	Sources/ExporterHelper/ExporterQueue.swift	(s.items.isEmpty ? nil : s.items.removeFirst(), s.closed)	(s.items.isEmpty || s.closed ? nil : s.items.removeFirst(), s.closed)	ExporterQueueTests|EndToEndTests
EOF
)

caught=0; missed=0; broken=0; total=0; names=()
while IFS=$'\t' read -r name file from to filter; do
  [ -n "$name" ] || continue
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  total=$((total + 1))
  git -C "$scratch" checkout -q -- .
  # The text must occur exactly once: a mutant that no longer applies is reported, not skipped.
  if ! python3 - "$scratch/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].replace("<NL>", "\n"), sys.argv[3].replace("<NL>", "\n")
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"the text occurs {text.count(old)} times in {path}")
open(path, "w").write(text.replace(old, new))
PY
  then
    echo "mutant $name: DOES NOT APPLY"; broken=$((broken + 1)); names+=("$name:not-applied"); continue
  fi
  log=$scratch/.build/mutant-$name.log
  if ! (cd "$scratch" && swift build --build-tests >"$log" 2>&1); then
    echo "mutant $name: DOES NOT BUILD (see $log)"; broken=$((broken + 1)); names+=("$name:not-built"); continue
  fi
  started=$(date +%s)
  if (cd "$scratch" && swift test --skip-build --disable-xctest --filter "$filter" >>"$log" 2>&1); then
    echo "mutant $name ($file): MISSED — $filter passed ($(( $(date +%s) - started )) s)"
    missed=$((missed + 1)); names+=("$name:missed")
  else
    failing=$(grep -ac '✘ Test .* recorded an issue' "$log" || true)
    echo "mutant $name ($file): caught — $filter failed, $failing issues ($(( $(date +%s) - started )) s)"
    caught=$((caught + 1))
  fi
done <<< "$mutants"
git -C "$scratch" checkout -q -- .

failed=""
[ ${#names[@]} -gt 0 ] && failed=" (${names[*]})"
echo "mutants: $caught of $total caught, $missed missed, $broken did not apply or build$failed"
[ "$caught" -eq "$total" ]
