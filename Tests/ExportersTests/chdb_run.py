"""Runs statements in a chDB (embedded ClickHouse) database kept in DIR, for the ClickHouse tests.

Usage: chdb_run.py DIR < statements.json   (a JSON list of SQL strings; an INSERT carries its rows
after `FORMAT JSONEachRow` and a newline). Prints each statement's result as TSV, followed by a line
`--- end`. Exits 1 with ClickHouse's message on the first error.
"""
import json
import sys

import chdb

conn = chdb.connect(sys.argv[1])
for stmt in json.load(sys.stdin):
    try:
        result = conn.query(stmt, "TSV")
    except Exception as e:  # chDB raises its own error type with ClickHouse's message
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    out = str(result)
    sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
    print("--- end")
