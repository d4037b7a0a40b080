"""Hostile HTTP/1.1 clients on raw sockets, for the receiver's boundary tests. Each mode prints one
JSON line of what it observed.
  flood HOST PORT CONNECTIONS BYTES        every connection posts BYTES without credentials at once
  slow_headers HOST PORT CONNECTIONS SECS  each sends part of its headers; how many are closed within SECS
  connections HOST PORT N                  opens N idle connections; how many the server closed at once
  idle HOST PORT FILE                      one request, then idle: seconds until the server closes
  slow_body HOST PORT                      headers, then 10 bytes a second: seconds until closed
  half_close HOST PORT FILE                a whole request, then shutdown(SHUT_WR): the status answered
  parallel HOST PORT CLIENTS ROUNDS FILE [ENCODING]
                                           CLIENTS threads post FILE ROUNDS times each: statuses seen"""
import json
import select
import socket
import sys
import threading
import time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


def connect(sndbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if sndbuf:
        # Set before connecting: a small send buffer keeps what "sent" counts close to what the
        # server's socket took, instead of up to 4 MB parked in this side's kernel.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    s.settimeout(30)
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def head(length, auth=None, extra=""):
    h = f"POST /v1/traces HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-protobuf\r\nContent-Length: {length}\r\n"
    if auth:
        h += f"Authorization: {auth}\r\n"
    return (h + extra + "\r\n").encode()


def status_of(s, deadline=30):
    s.settimeout(deadline)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout, OSError):
        pass
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    return int(line.split()[1]) if line.startswith("HTTP/1.1 ") else None


def post_watching(s, data_head, body, chunk=256 << 10):
    """Sends the head, then the body in parts, stopping as soon as the server answers: returns the
    status (None if the connection broke first) and how many body bytes went out."""
    s.sendall(data_head)
    sent = 0
    try:
        while sent < len(body) if isinstance(body, (bytes, bytearray)) else sent < body:
            if select.select([s], [], [], 0)[0]:
                break
            part = body[sent:sent + chunk] if isinstance(body, (bytes, bytearray)) else b"\x00" * min(chunk, body - sent)
            s.sendall(part)
            sent += len(part)
    except OSError:
        pass
    return status_of(s, 60), sent


def closed_within(s, seconds):
    """True when the server closed the connection (EOF or reset) within `seconds`."""
    s.settimeout(seconds)
    try:
        while True:
            if not s.recv(65536):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


if mode == "flood":
    n, size = int(sys.argv[4]), int(sys.argv[5])
    results = []
    lock = threading.Lock()

    def one():
        s = connect(sndbuf=128 << 10)
        status, sent = post_watching(s, head(size), size)
        with lock:
            results.append((status, sent))
        s.close()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads: t.start()
    for t in threads: t.join()
    statuses = {}
    for st, _ in results:
        statuses[str(st)] = statuses.get(str(st), 0) + 1
    print(json.dumps({"statuses": statuses, "max_sent": max(x for _, x in results)}))

elif mode == "slow_headers":
    n, secs = int(sys.argv[4]), float(sys.argv[5])
    socks = []
    for _ in range(n):
        s = connect()
        s.sendall(f"POST /v1/traces HTTP/1.1\r\nHost: {host}\r\nContent-Ty".encode())
        socks.append(s)
    # Each socket may use what is left of SECS from the last connect: on a loaded machine the
    # server accepts (and starts a connection's header clock) late, and that is not a failure.
    start = time.time()
    deadline = start + secs
    closed = sum(1 for s in socks if closed_within(s, max(0.05, deadline - time.time())))
    print(json.dumps({"closed": closed, "open": n - closed, "after": round(time.time() - start, 1)}))

elif mode == "connections":
    n = int(sys.argv[4])
    socks = []
    for _ in range(n):
        socks.append(connect())
        time.sleep(0.005)
    time.sleep(1)
    closed = sum(1 for s in socks if closed_within(s, 0.05))
    print(json.dumps({"closed": closed, "open": n - closed}))
    for s in socks: s.close()

elif mode == "idle":
    body = open(sys.argv[4], "rb").read()
    s = connect()
    s.sendall(head(len(body)) + body)
    status = status_of(s)
    start = time.time()
    closed = closed_within(s, 30)
    print(json.dumps({"status": status, "closed": closed, "after": round(time.time() - start, 1)}))

elif mode == "slow_body":
    s = connect()
    s.sendall(head(100000))
    start = time.time()
    s.settimeout(1)
    closed = False
    while time.time() - start < 30:
        try:
            s.sendall(b"\x00" * 10)
            data = s.recv(4096)
            if not data:
                closed = True
                break
        except socket.timeout:
            continue
        except OSError:
            closed = True
            break
    print(json.dumps({"closed": closed, "after": round(time.time() - start, 1)}))

elif mode == "half_close":
    body = open(sys.argv[4], "rb").read()
    s = connect()
    s.sendall(head(len(body)) + body)
    s.shutdown(socket.SHUT_WR)
    print(json.dumps({"status": status_of(s)}))

elif mode == "parallel":
    clients, rounds, body = int(sys.argv[4]), int(sys.argv[5]), open(sys.argv[6], "rb").read()
    encoding = f"Content-Encoding: {sys.argv[7]}\r\n" if len(sys.argv) > 7 else ""
    statuses = {}
    lock = threading.Lock()

    def client():
        for _ in range(rounds):
            try:
                s = connect()
                st, _ = post_watching(s, head(len(body), extra="Connection: close\r\n" + encoding), body)
                s.close()
            except OSError:
                st = None
            with lock:
                statuses[str(st)] = statuses.get(str(st), 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({"statuses": statuses}))
