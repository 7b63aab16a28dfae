"""fdws.py: what the game-day tests share.

A minimal WebSocket client (RFC 6455, text frames, client-masked) over a
plain socket, so the tests need nothing beyond Python's standard library,
and a way to start `firedrill gameday` and read the URLs it prints.
"""
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.parse


class WS:
    """One WebSocket connection: send(obj), recv() -> obj or None on timeout."""

    def __init__(self, url, origin=None, host=None, timeout=10):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = "/ws?" + u.query
        hdr = [f"GET {path} HTTP/1.1",
               f"Host: {host or f'{self.host}:{self.port}'}",
               "Upgrade: websocket", "Connection: Upgrade",
               f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
               "Sec-WebSocket-Protocol: firedrill"]
        if origin:
            hdr.append(f"Origin: {origin}")
        self.sock.sendall(("\r\n".join(hdr) + "\r\n\r\n").encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            resp += chunk
        head, _, self.buf = resp.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1]) if head else 0
        if self.status != 101:
            self.sock.close()
            raise ConnectionRefusedError(f"upgrade refused: {self.status}")

    def send_raw(self, payload, opcode=1):
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode())

    def _frame(self):
        """(opcode, payload) of the first whole frame in the buffer, or None."""
        b = self.buf
        if len(b) < 2:
            return None
        n, at = b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, at = struct.unpack("!H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, at = struct.unpack("!Q", b[2:10])[0], 10
        if len(b) < at + n:
            return None
        self.buf = b[at + n:]
        return b[0] & 0x0F, b[at:at + n]

    def recv(self, timeout=10):
        """The next text message as an object; None on timeout. A frame
        is taken from the buffer only once it is whole, so a timeout in
        the middle of one loses nothing."""
        end = time.time() + timeout
        while True:
            f = self._frame()
            if f is not None:
                op, payload = f
                if op == 8:
                    raise EOFError("closed by the server")
                if op == 1:
                    return json.loads(payload)
                continue
            left = end - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def until(self, pred, timeout=30):
        """Reads messages until pred(msg) holds; returns that message."""
        end = time.time() + timeout
        while time.time() < end:
            m = self.recv(timeout=max(0.1, end - time.time()))
            if m is not None and pred(m):
                return m
        raise TimeoutError("no such message in time")

    def close(self):
        self.sock.close()


class Gameday:
    """`firedrill gameday ...` started in the background; .url and .fac."""

    def __init__(self, argv, env=None, stdin=subprocess.DEVNULL):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=stdin, text=True, env=env)
        self.url = self.fac = None
        self.out = []
        end = time.time() + 60
        while time.time() < end and not (self.url and self.fac):
            line = self.proc.stdout.readline()
            if not line:
                break
            self.out.append(line)
            if line.startswith("URL "):
                self.url = line.split()[1]
            elif line.startswith("FACILITATOR "):
                self.fac = line.split()[1]
        if not (self.url and self.fac):
            self.stop()
            raise RuntimeError("gameday printed no URLs: " + "".join(self.out) + self.proc.stderr.read())
        # The rest of stdout, read as it comes so that wait_output sees it.
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.out.append(line)

    def wait_output(self, text, timeout):
        """Waits until a line of stdout holds text; False on timeout or exit."""
        end = time.time() + timeout
        while time.time() < end:
            if any(text in line for line in self.out):
                return True
            if self.proc.poll() is not None:
                time.sleep(0.2)
                return any(text in line for line in self.out)
            time.sleep(0.2)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
