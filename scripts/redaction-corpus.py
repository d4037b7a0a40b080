#!/usr/bin/env python3
"""Seeded synthetic corpora for the redaction processor (Faker from PyPI).

    redaction-corpus.py quality --seed 7 --out FILE [--per-detector 300] [--clean 1000]
        Labelled samples, one JSON object a line: {"kind": "positive"|"prose"|"code"|"json",
        "text": ..., "expect": [[detector, value], ...]}. Positives embed one generated value in a
        prose, JSON or code context; the clean kinds hold none and carry the look-alikes that must
        survive (order ids, timestamps, versions, UUIDs, hex hashes, IPs in code are not clean).
    redaction-corpus.py disguised --seed 7 --out FILE [--per-kind 100]
        Disguised findings (zero-width characters, full-width forms, percent-encoding, base64, IDN
        addresses, card separators, Basic credentials, secret JSON keys, lone surrogates, number
        spellings), each labelled with the text as it appears; the processor must remove it.
    redaction-corpus.py speed --seed 7 --mb 32 --out FILE
        LLM-prompt-shaped texts (chat turns, tool results, documents) with findings in about one
        text in ten, same line format, about MB megabytes of text.
"""
import argparse
import base64
import hashlib
import json
import random
import string
import uuid

from faker import Faker

PHONE_LOCALES = ["en_US", "en_CA", "en_GB", "fr_FR", "de_DE", "en_AU"]
IBAN_LOCALES = ["en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_PT", "fi_FI", "sv_SE"]
CARD_TYPES = ["visa16", "visa13", "visa19", "mastercard", "amex", "discover", "jcb15", "jcb16", "diners", "maestro"]


def rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Generators:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        Faker.seed(seed)
        self.fakers = {loc: Faker(loc) for loc in set(PHONE_LOCALES + IBAN_LOCALES + ["en_US"])}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(seed + i)
        self.en = self.fakers["en_US"]

    def value(self, detector):
        r, en = self.rng, self.en
        if detector == "email":
            v = r.choice([en.email, en.company_email, en.free_email, en.safe_email])()
            return v.upper() if r.random() < 0.1 else v
        if detector == "phone":
            return self.fakers[r.choice(PHONE_LOCALES)].phone_number()
        if detector == "credit_card":
            v = en.credit_card_number(r.choice(CARD_TYPES))
            style = r.random()
            if style < 0.3 and len(v) == 16:
                sep = r.choice([" ", "-"])
                v = sep.join(v[i:i + 4] for i in range(0, 16, 4))
            return v
        if detector == "iban":
            v = self.fakers[r.choice(IBAN_LOCALES)].iban()
            if r.random() < 0.4:
                v = " ".join(v[i:i + 4] for i in range(0, len(v), 4))
            return v
        if detector == "us_ssn":
            return en.ssn()
        if detector == "ip_address":
            return r.choice([en.ipv4, en.ipv4_private, en.ipv4_public, en.ipv6])()
        if detector == "jwt":
            header = {"alg": r.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
            payload = {"sub": str(r.randint(1, 10**9)), "name": en.name(), "iat": r.randint(1500000000, 1800000000)}
            return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()),
                             b64url(bytes(r.getrandbits(8) for _ in range(32)))])
        if detector == "openai_key":
            return r.choice(["sk-", "sk-proj-", "sk-svcacct-"]) + rand(r, ALNUM, r.choice([32, 48, 64])) + rand(r, string.digits, 2)
        if detector == "anthropic_key":
            return "sk-ant-api03-" + rand(r, B64URL, 86) + rand(r, string.digits, 2) + "AA"
        if detector == "aws_access_key":
            return r.choice(["AKIA", "ASIA"]) + rand(r, string.ascii_uppercase + "234567", 16)
        if detector == "aws_secret_key":
            return rand(r, ALNUM + "/+", 40)
        if detector == "github_token":
            if r.random() < 0.7:
                return r.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]) + rand(r, ALNUM, 36)
            return "github_pat_" + rand(r, ALNUM, 22) + "_" + rand(r, ALNUM, 59)
        if detector == "slack_token":
            return r.choice(["xoxb-", "xoxp-"]) + f"{r.randint(10**11, 10**12 - 1)}-{r.randint(10**12, 10**13 - 1)}-" + rand(r, ALNUM, 24)
        if detector == "google_api_key":
            return "AIza" + rand(r, B64URL, 35)
        if detector == "bearer_token":
            return rand(r, ALNUM + "-._~", r.randint(24, 64))
        if detector == "private_key":
            kind = r.choice(["RSA ", "EC ", "OPENSSH ", ""])
            lines = [rand(r, string.ascii_letters + string.digits + "+/", 64) for _ in range(r.randint(3, 8))]
            return f"-----BEGIN {kind}PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind}PRIVATE KEY-----"
        if detector == "url_credentials":
            return f"{en.user_name()}:{rand(r, ALNUM + '!$*', r.randint(8, 20))}"
        if detector == "basic_auth":
            return base64.b64encode(f"{en.user_name()}:{rand(r, ALNUM + '!$*', r.randint(8, 20))}".encode()).decode()
        raise ValueError(detector)

    def embed(self, detector, v):
        """A context for the value; returns (text, the exact substring the detector must find)."""
        r, en = self.rng, self.en
        if detector == "aws_secret_key":
            return r.choice([f"aws_secret_access_key = {v}", f'{{"SecretAccessKey": "{v}"}}', f"export AWS_SECRET_ACCESS_KEY={v}"]), v
        if detector == "bearer_token":
            return r.choice([f"Authorization: Bearer {v}", f'curl -H "Authorization: Bearer {v}" https://api.example.com']), v
        if detector == "url_credentials":
            scheme = r.choice(["https", "postgres", "redis", "mongodb", "amqp"])
            return f"connect to {scheme}://{v}@{en.domain_name()}/{en.word()} now", v
        if detector == "basic_auth":
            return r.choice([f"Authorization: Basic {v}", f'curl -H "Authorization: basic {v}" https://api.example.com',
                             f"the header was Basic {v} when it failed"]), v
        templates = [
            "{p} {v} {q}",
            '{{"user": "{n}", "contact": "{v}", "note": "{q}"}}',
            "{p}: {v}.",
            'config["secret"] = "{v}"  # {q}',
            "- {p} ({v})\n- {q}",
            "<td>{v}</td>",
        ]
        text = r.choice(templates).format(p=en.sentence(nb_words=6).rstrip("."), q=en.sentence(nb_words=5), v=v, n=en.name())
        return text, v

    def prose(self):
        return " ".join(self.en.paragraph(nb_sentences=self.rng.randint(2, 5)) for _ in range(self.rng.randint(1, 3)))

    def code(self):
        r, en = self.rng, self.en
        lines = [
            f"for (int i = 0; i < {r.randint(1, 100000)}; i++) {{ total += values[i] * {r.random():.6f}; }}",
            f'version = "{r.randint(0, 20)}.{r.randint(0, 40)}.{r.randint(0, 200)}"',
            f"build = \"{r.randint(1, 12)}.{r.randint(0, 9)}.{r.randint(10000, 30000)}.{r.randint(1, 999)}\"",
            f'request_id = "{uuid.UUID(int=r.getrandbits(128))}"',
            f'digest = "{hashlib.sha256(str(r.random()).encode()).hexdigest()}"',
            f"commit {hashlib.sha1(str(r.random()).encode()).hexdigest()}",
            f"created_ms = {r.randint(1500000000000, 1800000000000)}",
            f"const ADDR = 0x{r.getrandbits(32):08X};",
            "std::vector<std::string> names; names.push_back(a::b::c);",
            f"sleep({r.randint(1, 5000)}); retry({r.randint(1, 10)}, backoff={r.random():.2f})",
            f'url = "https://api.example.com/v{r.randint(1, 3)}/items?page={r.randint(1, 500)}&limit={r.randint(10, 100)}"',
            f"if elapsed > {r.randint(100, 9999)}.{r.randint(0, 999)}: log.warning(\"slow %s\", elapsed)",
            f"matrix = [[{r.randint(0, 999)}, {r.randint(0, 999)}], [{r.randint(0, 999)}, {r.randint(0, 999)}]]",
            f"def {en.word()}_{en.word()}(x, y={r.randint(0, 99)}): return x ** {r.randint(2, 5)} % {r.randint(1000003, 9999999)}",
        ]
        return "\n".join(r.sample(lines, r.randint(3, 7)))

    def json_doc(self):
        r, en = self.rng, self.en
        doc = {
            "order_id": r.choice([f"ORD-{r.randint(10**6, 10**9)}", f"#{r.randint(10**5, 10**8)}", str(r.randint(10**6, 10**10))]),
            "created_at": en.iso8601() + "Z",
            "updated": en.date_time().strftime("%Y-%m-%d %H:%M:%S"),
            "amount": round(r.random() * 10000, 2),
            "quantity": r.randint(1, 500),
            "sku": f"SKU-{rand(r, string.ascii_uppercase, 3)}-{r.randint(1000, 99999)}",
            "version": f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
            "trace_id": f"{r.getrandbits(128):032x}",
            "span_id": f"{r.getrandbits(64):016x}",
            "uuid": str(uuid.UUID(int=r.getrandbits(128))),
            "etag": hashlib.md5(str(r.random()).encode()).hexdigest(),
            "ts": r.randint(1500000000, 1800000000),
            "ratio": r.random(),
            "tags": [en.word() for _ in range(r.randint(1, 4))],
            "description": en.sentence(nb_words=10),
        }
        keys = r.sample(list(doc.keys()), r.randint(5, len(doc)))
        return json.dumps({k: doc[k] for k in keys})


DETECTORS = ["email", "phone", "credit_card", "iban", "us_ssn", "ip_address", "jwt", "openai_key", "anthropic_key",
             "aws_access_key", "aws_secret_key", "github_token", "slack_token", "google_api_key", "bearer_token",
             "private_key", "url_credentials", "basic_auth"]


def phone_in_scope(v):
    """The phone formats the detector promises (README): E.164 (`+`), `00`-prefixed international in groups,
    national numbers of 9-12 digits written with separators or a parenthesised area code, and bare
    0-led national numbers of 10-11 digits. A bare digit run or a local number without its area code
    (`4313 4878`) cannot be told from an id; such samples are kept, labelled out of scope, and
    reported separately."""
    digits = "".join(c for c in v.split("x")[0] if c.isdigit())
    if v.startswith("+"):
        return True
    if v.startswith("00"):
        return any(c in v for c in " -.")
    if any(c in v for c in " -.()"):
        return 9 <= len(digits) <= 12
    return digits[:1] == "0" and digits[1:2] != "0" and 10 <= len(digits) <= 11


def quality(args):
    g = Generators(args.seed)
    with open(args.out, "w") as f:
        for d in DETECTORS:
            for _ in range(args.per_detector):
                v = g.value(d)
                text, v = g.embed(d, v)
                kind = "positive" if d != "phone" or phone_in_scope(v) else "out_of_scope"
                f.write(json.dumps({"kind": kind, "text": text, "expect": [[d, v]]}) + "\n")
        for kind, make in [("prose", g.prose), ("code", g.code), ("json", g.json_doc)]:
            for _ in range(args.clean):
                f.write(json.dumps({"kind": kind, "text": make(), "expect": []}) + "\n")


# Disguises a reader or a model sees through; each must still be found (through the redaction
# processor's path, which normalizes before detecting). Each sample's "expect" names the detector and
# the text as it appears in the sample.
DISGUISES = ["zero_width", "compatibility_forms", "percent_encoded", "base64", "idn_email", "card_separators",
             "basic_auth_in_text", "json_deny_key", "json_secret_key_names", "json_lone_surrogate", "json_number_spellings"]


def disguised(g, kind):
    r, en = g.rng, g.en
    if kind == "zero_width":
        d = r.choice(["email", "credit_card", "openai_key"])
        v = g.value(d)
        zw = r.choice(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
        at = r.randint(1, len(v) - 1)
        v = v[:at] + zw + v[at:]
    elif kind == "compatibility_forms":
        d = r.choice(["email", "credit_card"])
        v = g.value(d)
        if d == "email":
            v = v.replace("@", r.choice(["\uff20", "\ufe6b"]))
        else:
            v = "".join(chr(ord(c) - 0x30 + 0xFF10) if c.isdigit() and r.random() < 0.5 else c for c in v)
    elif kind == "percent_encoded":
        d = r.choice(["email", "credit_card"])
        v = g.value(d)
        if d == "email":
            v = v.replace("@", "%40")
        else:
            digits = "".join(c for c in v if c.isdigit())
            v = "%20".join(digits[i:i + 4] for i in range(0, len(digits), 4))
    elif kind == "base64":
        d = r.choice(["email", "credit_card", "openai_key", "iban"])
        inner = g.value(d)
        v = base64.b64encode(f"{en.word()} {inner} {en.word()}".encode()).decode()
        return f"payload: {v} (attached)", d, v
    elif kind == "idn_email":
        d = "email"
        local = en.user_name()
        v = local + "@" + r.choice(["exämple.com", "bücher.de", "mañana.es", "пример.рф", "例え.jp", "xn--bcher-kva.de"])
    elif kind == "card_separators":
        d = "credit_card"
        raw = en.credit_card_number(r.choice(["visa16", "mastercard", "discover", "jcb16"]))
        if len(raw) != 16:
            return None
        v = r.choice([".", "/", "_"]).join(raw[i:i + 4] for i in range(0, 16, 4))
    elif kind == "basic_auth_in_text":
        d = "basic_auth"
        v = g.value("basic_auth")
        return f"{en.sentence(nb_words=5)} Authorization: Basic {v} {en.sentence(nb_words=4)}", d, v
    elif kind in ("json_deny_key", "json_secret_key_names"):
        d = "deny_key"
        v = rand(r, string.ascii_lowercase, r.randint(6, 14))
        keys = ["password", "api_key", "client_secret", "Authorization", "refresh_token"] if kind == "json_deny_key" \
            else ["pwd", "token", "x-auth-token", "id_token", "auth.token"]
        doc = {"user": en.user_name(), r.choice(keys): v, "note": en.sentence(nb_words=5)}
        return json.dumps(doc), d, v
    elif kind == "json_lone_surrogate":
        d = r.choice(["email", "credit_card"])
        v = g.value(d) if d == "email" else en.credit_card_number("visa16")
        escaped = "".join("\\u%04x" % ord(c) if c in "@1" and r.random() < 0.5 else c for c in v)
        return '{"a": "\\ud800 ' + escaped + '"}', d, escaped
    elif kind == "json_number_spellings":
        d = "credit_card"
        digits = en.credit_card_number("visa16")
        v = r.choice([digits + ".0", digits[0] + "." + digits[1:] + "e15"])
        return '{"amount": 12.5, "card": ' + v + "}", d, v
    else:
        raise ValueError(kind)
    text = r.choice(["{p} {v} {q}", '{{"contact": "{v}", "note": "{q}"}}', "{p}: {v}."]).format(
        p=en.sentence(nb_words=5).rstrip("."), q=en.sentence(nb_words=4), v=v)
    return text, d, v


def disguises(args):
    g = Generators(args.seed)
    with open(args.out, "w") as f:
        for kind in DISGUISES:
            written = 0
            while written < args.per_kind:
                s = disguised(g, kind)
                if s is None:
                    continue
                text, d, v = s
                f.write(json.dumps({"kind": "disguise:" + kind, "text": text, "expect": [[d, v]]}, ensure_ascii=False) + "\n")
                written += 1


def speed(args):
    g = Generators(args.seed)
    r = g.rng
    target = args.mb * 1024 * 1024
    written = 0
    with open(args.out, "w") as f:
        while written < target:
            parts = []
            expect = []
            for _ in range(r.randint(1, 4)):
                choice = r.random()
                if choice < 0.6:
                    parts.append(g.prose())
                elif choice < 0.8:
                    parts.append(g.code())
                else:
                    parts.append(g.json_doc())
            if r.random() < 0.1:
                d = r.choice(DETECTORS)
                v = g.value(d)
                while d == "phone" and not phone_in_scope(v):  # the quality corpus reports those
                    v = g.value(d)
                text, v = g.embed(d, v)
                parts.insert(r.randint(0, len(parts)), text)
                expect.append([d, v])
            text = "\n\n".join(parts)
            written += len(text.encode())
            f.write(json.dumps({"kind": "prompt", "text": text, "expect": expect}) + "\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--seed", type=int, default=7)
    q.add_argument("--out", required=True)
    q.add_argument("--per-detector", type=int, default=300)
    q.add_argument("--clean", type=int, default=1000)
    dq = sub.add_parser("disguised")
    dq.add_argument("--seed", type=int, default=7)
    dq.add_argument("--out", required=True)
    dq.add_argument("--per-kind", type=int, default=100)
    s = sub.add_parser("speed")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--mb", type=int, default=32)
    s.add_argument("--out", required=True)
    args = p.parse_args()
    {"quality": quality, "disguised": disguises, "speed": speed}[args.mode](args)


if __name__ == "__main__":
    main()
