"""A DNS server on loopback for the load-balancing tests (dnslib). It answers A queries for the names
in RECORDS (a JSON file {"name.": ["127.0.0.2", ...]}), read again on every query so a test can take
an address away; other names (and a missing file) get NXDOMAIN, AAAA gets no records. Prints
`listening PORT`, then serves UDP until killed. Usage: dns_test_server.py RECORDS"""
import json
import sys
import time

from dnslib import QTYPE, RCODE, RR, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class FileResolver(BaseResolver):
    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname)
        try:
            with open(sys.argv[1]) as f:
                records = json.load(f)
        except FileNotFoundError:
            records = {}
        if name not in records:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.A:
            for address in records[name]:
                reply.add_answer(RR(name, QTYPE.A, rdata=A(address), ttl=1))
        return reply


server = DNSServer(FileResolver(), port=0, address="127.0.0.1", logger=DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data"))
server.start_thread()
print(f"listening {server.server.server_address[1]}", flush=True)
while True:
    time.sleep(3600)
