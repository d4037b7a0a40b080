#!/usr/bin/env python3
"""presidio-analyzer's pattern recognizers over a corpus from scripts/redaction-corpus.py, for the
side-by-side redaction benchmark (scripts/redaction-bench.sh): MB/s on one core and recall per entity
it covers (e-mail, phone, card, IBAN, US SSN, IP). Any score counts as a finding.

    presidio_bench.py CORPUS.jsonl
"""
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)  # tldextract's failed suffix-list download (no network) is not our concern

from presidio_analyzer.predefined_recognizers import (CreditCardRecognizer, EmailRecognizer, IbanRecognizer,
                                                      IpRecognizer, PhoneRecognizer, UsSsnRecognizer)

ENTITY = {"email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "credit_card": "CREDIT_CARD", "iban": "IBAN_CODE",
          "us_ssn": "US_SSN", "ip_address": "IP_ADDRESS"}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1])]
    recognizers = [EmailRecognizer(), PhoneRecognizer(), CreditCardRecognizer(), IbanRecognizer(), UsSsnRecognizer(), IpRecognizer()]
    total_bytes = sum(len(r["text"].encode()) for r in rows)
    found = {}
    start = time.perf_counter()
    results = []
    for r in rows:
        text = r["text"]
        hits = []
        for rec in recognizers:
            hits.extend(rec.analyze(text, entities=rec.supported_entities, nlp_artifacts=None))
        results.append(hits)
    seconds = time.perf_counter() - start
    for r, hits in zip(rows, results):
        for detector, value in r["expect"]:
            entity = ENTITY.get(detector)
            if entity is None:
                continue
            s = r["text"].find(value)
            e = s + len(value)
            ok = s >= 0 and any(h.entity_type == entity and h.start <= s and h.end >= e for h in hits)
            f, t = found.get(detector, (0, 0))
            found[detector] = (f + ok, t + 1)
    print(f"presidio-analyzer pattern recognizers: {total_bytes / seconds / 1e6:.2f} MB/s on one core "
          f"({len(rows)} texts, {total_bytes / 1e6:.1f} MB)")
    for d in sorted(found):
        f, t = found[d]
        print(f"  recall {d:<16} {100 * f / max(1, t):6.2f}%  ({f}/{t})")


if __name__ == "__main__":
    main()
