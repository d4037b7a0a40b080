"""The reference for the encoder benchmark: Python's orjson serialising the same documents.

Usage: orjson_encode.py SECONDS FILE...   (each FILE is JSON Lines our encoders wrote)
Each file's lines are parsed once with orjson.loads, then orjson.dumps writes every document again,
one line each, in rounds for SECONDS; the best round counts. Prints one line per file:
"<file> <seconds per round> <bytes written per round>"."""
import sys
import time

import orjson

seconds = float(sys.argv[1])
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        docs = [orjson.loads(line) for line in f.read().split(b"\n") if line]
    dumps = orjson.dumps
    best, produced = float("inf"), 0
    deadline = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        out = b"\n".join([dumps(d) for d in docs])
        best = min(best, time.perf_counter() - start)
        produced = len(out) + 1
        if time.perf_counter() >= deadline:
            break
    print(path, best, produced)
