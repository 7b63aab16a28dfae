"""web_security.py: the game day's web server refuses what it should and
survives bad clients.

    python3 tests/cli/web_security.py CMD [ARGS...]

CMD is a server: `build/tests/test_web_server --serve` (a fake hub) or
`firedrill gameday ...`. It must print a line "URL <player URL>" and a
line "FACILITATOR <facilitator URL>" (each http://HOST:PORT/?token=...)
and exit on SIGTERM. A line "FAKEHUB" says the server is the fake hub of
tests/test_web_server.c, which echoes messages back; the checks that need
the echo run only then.

Checks: tokens, Host and Origin on HTTP requests and WebSocket upgrades;
a WebSocket's welcome and a round trip; a fragmented message; an
oversized message, a binary frame and malformed frames each close their
own connection while another keeps working; the server still answers at
the end and exits cleanly on SIGTERM. Standard library only: the
WebSocket client below is written by hand, for the test's sake.
"""
import base64
import hashlib
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

MAX = 65536          # web.c's default largest message
TIMEOUT = 10.0
fails = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        fails.append(what)
        print("web_security.py: FAIL: " + what, file=sys.stderr)
    return ok


# ---- the server ------------------------------------------------------------

def start(cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    lines = {}
    buf = b""
    fd = p.stdout.fileno()
    deadline = time.time() + 60
    while time.time() < deadline:
        if "URL" in lines and "FACILITATOR" in lines:
            # FAKEHUB, when it comes, follows at once
            deadline = min(deadline, time.time() + 0.5)
        r, _, _ = select.select([fd], [], [], 0.1)
        if not r:
            if p.poll() is not None:
                break
            continue
        d = os.read(fd, 4096)
        if not d:
            break
        buf += d
        while b"\n" in buf:
            line, _, buf = buf.partition(b"\n")
            key, _, rest = line.decode().strip().partition(" ")
            lines[key] = rest.strip()
    if "URL" not in lines or "FACILITATOR" not in lines:
        p.kill()
        sys.exit("web_security.py: the server printed no URL and FACILITATOR lines")
    # keep reading what it prints, so that it never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(fd, 4096), b"")],
                     daemon=True).start()
    return p, lines


class Server:
    def __init__(self, url, fac_url):
        u = urllib.parse.urlsplit(url)
        f = urllib.parse.urlsplit(fac_url)
        self.host, self.port = u.hostname, u.port
        self.hostport = u.netloc
        self.token = urllib.parse.parse_qs(u.query)["token"][0]
        self.fac_token = urllib.parse.parse_qs(f.query)["token"][0]
        self.fac_hostport = f.netloc


def http_get(s, target, host=None, origin=None):
    c = http.client.HTTPConnection(s.host, s.port, timeout=TIMEOUT)
    c.putrequest("GET", target, skip_host=True)
    c.putheader("Host", host if host is not None else s.hostport)
    if origin is not None:
        c.putheader("Origin", origin)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    headers = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, headers, body


# ---- a minimal WebSocket client (RFC 6455) ---------------------------------

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WS:
    def __init__(self, sock, rest):
        self.sock = sock
        self.buf = rest

    def send_frame(self, opcode, payload, fin=True, rsv=0, mask=True):
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        m = 0x80 if mask else 0
        if n < 126:
            hdr = bytes([b0, m | n])
        elif n < 65536:
            hdr = bytes([b0, m | 126]) + n.to_bytes(2, "big")
        else:
            hdr = bytes([b0, m | 127]) + n.to_bytes(8, "big")
        if mask:
            key = os.urandom(4)
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
            hdr += key
        self.sock.sendall(hdr + payload)

    def send_text(self, text):
        self.send_frame(1, text.encode())

    def _need(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError()
            self.sock.settimeout(left)
            d = self.sock.recv(65536)
            if not d:
                raise EOFError()
            self.buf += d

    def recv_frame(self, timeout=TIMEOUT):
        """(opcode, payload); EOFError when the server hung up."""
        deadline = time.time() + timeout
        self._need(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        off = 2
        if n == 126:
            self._need(4, deadline)
            n = int.from_bytes(self.buf[2:4], "big")
            off = 4
        elif n == 127:
            self._need(10, deadline)
            n = int.from_bytes(self.buf[2:10], "big")
            off = 10
        if b1 & 0x80:
            raise ValueError("server frame is masked")
        self._need(off + n, deadline)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return b0 & 0x0F, payload

    def recv_json(self, timeout=TIMEOUT):
        """The next text message as JSON (control frames skipped)."""
        deadline = time.time() + timeout
        while True:
            op, data = self.recv_frame(max(0.01, deadline - time.time()))
            if op == 1:
                return json.loads(data)
            if op == 8:
                raise EOFError("closed %r" % data[:2])

    def recv_type(self, t, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while True:
            m = self.recv_json(max(0.01, deadline - time.time()))
            if m.get("t") == t:
                return m

    def closed(self, timeout=TIMEOUT):
        """Whether the server closes the connection (a close frame or a
        hang-up) within `timeout`; returns (closed, close code or None)."""
        deadline = time.time() + timeout
        try:
            while True:
                op, data = self.recv_frame(max(0.01, deadline - time.time()))
                if op == 8:
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                    return True, code
        except (EOFError, ConnectionResetError, BrokenPipeError):
            return True, None
        except TimeoutError:
            return False, None

    def close(self):
        try:
            self.send_frame(8, (1000).to_bytes(2, "big"))
        except OSError:
            pass
        self.sock.close()


def ws_upgrade(s, token, host=None, origin=None, path="/ws", protocol="firedrill"):
    """(status, WS or None): the handshake's status line code and, on 101,
    the connection."""
    sock = socket.create_connection((s.host, s.port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    target = path + ("?token=" + urllib.parse.quote(token) if token is not None else "")
    req = ["GET %s HTTP/1.1" % target,
           "Host: %s" % (host if host is not None else s.hostport),
           "Upgrade: websocket", "Connection: Upgrade",
           "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
    if protocol:
        req.append("Sec-WebSocket-Protocol: " + protocol)
    if origin is not None:
        req.append("Origin: " + origin)
    sock.sendall(("\r\n".join(req) + "\r\n\r\n").encode())
    data = b""
    deadline = time.time() + TIMEOUT
    while b"\r\n\r\n" not in data and time.time() < deadline:
        try:
            d = sock.recv(4096)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        data += d
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        status = 0           # hung up without an answer
    if status != 101:
        sock.close()
        return status, None
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    check(hdrs.get("sec-websocket-accept") == want, "Sec-WebSocket-Accept is right")
    if protocol:
        check(hdrs.get("sec-websocket-protocol") == protocol,
              "the subprotocol %r is accepted: %r" % (protocol, hdrs.get("sec-websocket-protocol")))
    return status, WS(sock, rest)


# ---- the checks -------------------------------------------------------------

def http_checks(s):
    st, h, body = http_get(s, "/?token=" + s.token)
    check(st == 200, "GET / with the token: 200 (got %d%s)"
          % (st, ", is web/index.html missing?" if st == 404 else ""))
    check(h.get("content-type", "").startswith("text/html"),
          "GET / is text/html (got %r)" % h.get("content-type"))
    check(h.get("cache-control") == "no-store", "Cache-Control: no-store")
    check(h.get("x-content-type-options") == "nosniff", "X-Content-Type-Options: nosniff")
    csp = h.get("content-security-policy", "")
    check("default-src 'self'" in csp and ("ws://" + s.hostport) in csp,
          "the CSP allows the page's own WebSocket: %r" % csp)
    st, _, _ = http_get(s, "/?token=" + s.fac_token)
    check(st == 200, "GET / with the facilitator's token: 200 (got %d)" % st)

    st, _, _ = http_get(s, "/")
    check(st == 403, "GET / without a token: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=")
    check(st == 403, "GET / with an empty token: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=x" + s.token)
    check(st == 403, "GET / with a wrong token: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=" + s.token[:-1])
    check(st == 403, "GET / with a token's prefix: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=" + s.token, host="evil.example:%d" % s.port)
    check(st == 403, "GET / with a wrong Host: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=" + s.token, host="%s:%d" % (s.host, s.port + 1))
    check(st == 403, "GET / with a wrong port in Host: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=" + s.token, origin="http://evil.example")
    check(st == 403, "GET / with a foreign Origin: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=" + s.token, origin="null")
    check(st == 403, "GET / with Origin null: 403 (got %d)" % st)
    st, _, _ = http_get(s, "/?token=" + s.token, origin="http://" + s.hostport)
    check(st == 200, "GET / with its own Origin: 200 (got %d)" % st)
    st, _, _ = http_get(s, "/no-such-file.js?token=" + s.token)
    check(st == 404, "an unknown path: 404 (got %d)" % st)


def ws_refusals(s):
    for what, kw in [("without a token", dict(token=None)),
                     ("with a wrong token", dict(token="nope")),
                     ("with a wrong Host", dict(token=s.token, host="evil.example:%d" % s.port)),
                     ("with a foreign Origin", dict(token=s.token, origin="http://evil.example")),
                     ("with the token but Origin of another port",
                      dict(token=s.token, origin="http://%s:%d" % (s.host, s.port + 1)))]:
        tok = kw.pop("token")
        st, ws = ws_upgrade(s, tok, **kw)
        check(ws is None and st != 101, "WebSocket upgrade %s is refused (got %d)" % (what, st))
        check(st in (0, 403), "... with 403 or a hang-up (got %d)" % st)
        if ws:
            ws.close()


def welcome(ws, facilitator):
    m = ws.recv_type("welcome")
    you = m.get("you", {})
    check(you.get("facilitator") is facilitator,
          "welcome says facilitator=%s: %r" % (facilitator, you))
    return m


def ws_checks(s, fake):
    st, a = ws_upgrade(s, s.token)
    if not check(st == 101 and a, "WebSocket upgrade with the token: 101 (got %d)" % st):
        return
    welcome(a, False)
    st, f = ws_upgrade(s, s.fac_token, origin="http://" + s.fac_hostport)
    if not check(st == 101 and f, "facilitator's upgrade with its Origin: 101 (got %d)" % st):
        return
    welcome(f, True)
    st, n = ws_upgrade(s, s.token, protocol=None)
    check(st == 101 and n is not None, "an upgrade naming no subprotocol: 101 (got %d)" % st)
    if n:
        welcome(n, False)
        n.close()

    msg = json.dumps({"t": "cmd", "line": "help"})
    a.send_text(msg)
    r = a.recv_type("reply")
    check("ok" in r, "a command is answered with a reply: %r" % r)
    if fake:
        check(r.get("text") == msg, "the fake hub echoes the message: %r" % r)

    # a message in three fragments, larger than one receive buffer
    line = "x" * 20000
    big = json.dumps({"t": "cmd", "line": line})
    raw = big.encode()
    a.send_frame(1, raw[:7000], fin=False)
    a.send_frame(0, raw[7000:14000], fin=False)
    a.send_frame(9, b"ping")                 # a control frame between fragments
    a.send_frame(0, raw[14000:], fin=True)
    r = a.recv_type("reply")
    if fake:
        check(r.get("text") == big, "a fragmented message arrives whole (%d bytes back)"
              % len(r.get("text", "")))

    # a message of exactly MAX bytes is taken
    pad = MAX - len(json.dumps({"t": "cmd", "line": ""}))
    exact = json.dumps({"t": "cmd", "line": "y" * pad})
    assert len(exact) == MAX
    a.send_text(exact)
    r = a.recv_type("reply")
    if fake:
        check(r.get("text") == exact, "a message of the largest size is taken")

    # MAX + 1 bytes: that connection closes (1009), the others go on
    st, b = ws_upgrade(s, s.token)
    if check(st == 101 and b, "a second WebSocket: 101"):
        welcome(b, False)
        b.send_text(exact + " ")
        closed, code = b.closed()
        check(closed, "an oversized message closes the connection")
        check(code in (None, 1009), "... with 1009 (got %r)" % code)
    # MAX + 1 in fragments too
    st, b = ws_upgrade(s, s.token)
    if st == 101 and b:
        welcome(b, False)
        raw = (exact + " ").encode()
        b.send_frame(1, raw[:40000], fin=False)
        b.send_frame(0, raw[40000:], fin=True)
        closed, code = b.closed()
        check(closed and code in (None, 1009), "an oversized fragmented message closes it (%r)" % code)

    for what, kw in [("a binary frame", dict(opcode=2, payload=b'{"t":"cmd"}')),
                     ("reserved bits", dict(opcode=1, payload=b'{"t":"cmd"}', rsv=0x7)),
                     ("a reserved opcode", dict(opcode=3, payload=b'{}')),
                     ("text that is not UTF-8", dict(opcode=1, payload=b'{"t":"\xff\xfe"}')),
                     ("a continuation with no message", dict(opcode=0, payload=b'{}')),
                     ("a fragmented control frame", dict(opcode=9, payload=b'', fin=False))]:
        st, b = ws_upgrade(s, s.token)
        if not check(st == 101 and b, "a WebSocket for %s: 101" % what):
            continue
        welcome(b, False)
        b.send_frame(**kw)
        closed, code = b.closed()
        check(closed, "%s closes the connection" % what)
        if what == "a binary frame":
            check(code in (None, 1003), "... with 1003 (got %r)" % code)
        if what == "text that is not UTF-8":
            check(code in (None, 1007), "... with 1007 (got %r)" % code)
        b.sock.close()

    # an unmasked frame: refused or taken, but nothing else is harmed
    st, b = ws_upgrade(s, s.token)
    if st == 101 and b:
        welcome(b, False)
        b.send_frame(1, b'{"t":"cmd","line":"unmasked"}', mask=False)
        b.closed(1.0)
        b.sock.close()

    # a half-sent frame, then a hang-up
    st, b = ws_upgrade(s, s.token)
    if st == 101 and b:
        welcome(b, False)
        b.sock.sendall(bytes([0x81, 0xFE, 0x10]))
        b.sock.close()

    if fake:
        # a client that asks for more than it reads is cut off
        st, b = ws_upgrade(s, s.token)
        if st == 101 and b:
            welcome(b, False)
            b.send_text('{"t":"flood"}')
            time.sleep(1.0)
            got = 0
            closed = False
            deadline = time.time() + 20
            try:
                while time.time() < deadline:
                    op, data = b.recv_frame(max(0.01, deadline - time.time()))
                    got += len(data)
                    if op == 8:
                        closed = True
                        break
            except (EOFError, ConnectionResetError):
                closed = True
            except TimeoutError:
                pass
            check(closed and got < 10 * 1024 * 1024,
                  "a client that does not keep up is disconnected (%d bytes came)" % got)
            b.sock.close()
        # a facilitator's message reaches the others
        f.send_text('{"t":"cmd","line":"to all"}')
        m = a.recv_type("broadcast")
        check(m.get("text") == '{"t":"cmd","line":"to all"}', "a broadcast arrives: %r" % m)

    # the first connection still works after all that
    a.send_text(msg)
    r = a.recv_type("reply")
    check("ok" in r, "the first WebSocket still works: %r" % r)
    a.close()
    f.close()


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: web_security.py CMD [ARGS...]")
    p, lines = start(sys.argv[1:])
    try:
        s = Server(lines["URL"], lines["FACILITATOR"])
        fake = "FAKEHUB" in lines
        check(s.token != s.fac_token, "the facilitator's token differs from the player's")
        check(len(s.token) >= 16, "the token is long enough to guess at: %r" % s.token)
        http_checks(s)
        ws_refusals(s)
        ws_checks(s, fake)
        st, _, _ = http_get(s, "/?token=" + s.token)
        check(st == 200, "the server still answers at the end: %d" % st)
        check(p.poll() is None, "the server is still running")
        # connections still open (one with unread messages) when it is stopped
        _, open1 = ws_upgrade(s, s.token)
        _, open2 = ws_upgrade(s, s.fac_token)
        if open2:
            open2.send_text('{"t":"cmd","line":"bye"}')
        time.sleep(0.3)
    finally:
        if p.poll() is None:
            p.terminate()
        try:
            rc = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
            check(False, "the server exits on SIGTERM")
    check(rc == 0, "the server exits cleanly on SIGTERM (status %r)" % rc)
    print("web_security.py: %d checks, %d failed" % (checks, len(fails)))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
