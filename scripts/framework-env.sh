#!/usr/bin/env bash
# One virtual environment per agent framework the framework tests drive, at .build/frameworks/NAME,
# from Tests/Frameworks/NAME.requirements.txt (pinned). Separate, as a user's service has one
# framework: their pins conflict (strands-agents wants openai<3, openai-agents openai>=3), and
# OpenLLMetry and OpenLIT instrument whatever else is installed. Names as arguments: those only.
set -euo pipefail
cd "$(dirname "$0")/.."
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in Tests/Frameworks/*.requirements.txt; do names+=("$(basename "$f" .requirements.txt)"); done
fi
for name in "${names[@]}"; do
  venv=.build/frameworks/$name
  stamp=$venv/.installed
  # Reinstalled only when its requirements change.
  if [ -f "$stamp" ] && cmp -s "$stamp" "Tests/Frameworks/$name.requirements.txt"; then continue; fi
  [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r "Tests/Frameworks/$name.requirements.txt"
  cp "Tests/Frameworks/$name.requirements.txt" "$stamp"
done
