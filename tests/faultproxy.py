"""A loopback TCP proxy that stands between a laptop and the hub and breaks the line on purpose.

Sync promises that a lost request, a lost answer, a stalled or a cut connection lose
nothing and store nothing twice. These are the faults a café's Wi-Fi makes; the proxy
makes them on demand, one connection at a time, so the tests can prove the promise
with the laptop's real HTTP transport and a real hub server.

Each connection carries one request (urllib asks for `Connection: close`). Faults are
taken in order for requests to the matching path, one per connection; other
requests, and those after the planned faults run out, go through untouched.
"""

import collections
import socket
import threading

FAULTS = (
    "pass",          # forward the request and the hub's answer
    "drop_request",  # close before forwarding: the hub never sees it
    "drop_answer",   # forward, let the hub answer (and commit), close without passing it on
    "stall",         # hold the connection, forwarding nothing, until the laptop gives up
    "stall_answer",  # forward, let the hub answer, then hold the answer until the laptop gives up
    "cut_body",      # forward the headers and only half the body, then cut both sides
    "cut_answer",    # forward, let the hub answer, pass on only part of the answer, then cut
)
HOLD_LIMIT = 30  # seconds a stall may last if the laptop never gives up


class FaultProxy:
    """proxy = FaultProxy(hub_port); proxy.url is where the laptop should send its requests."""

    def __init__(self, upstream_port, path="/api/sync/push"):
        self.upstream = ("127.0.0.1", upstream_port)
        self.path = path
        self.planned = collections.deque()
        self.default = "pass"
        self.log = []  # [fault, method, path, hub's status or None], one per request, as it comes
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so the accepting thread notices close() soon
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def plan(self, *faults):
        """Make the next matching requests meet these faults, one each, in order."""
        unknown = set(faults) - set(FAULTS)
        assert not unknown, f"unknown faults {unknown}; the proxy knows {FAULTS}"
        with self._lock:
            self.planned.extend(faults)

    def always(self, fault):
        """Make every matching request meet this fault once the planned ones are used ('pass' to heal)."""
        assert fault in FAULTS, fault
        self.default = fault

    def heal(self):
        with self._lock:
            self.planned.clear()
        self.default = "pass"

    def faults_met(self):
        """The faults (not 'pass') requests met so far, in order."""
        with self._lock:
            return [entry[0] for entry in self.log if entry[0] != "pass"]

    def close(self):
        self._stopping.set()
        self._listener.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    # -- inside ------------------------------------------------------------------------

    def _accept(self):
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _next_fault(self, path):
        with self._lock:
            if not path.startswith(self.path):
                return "pass"
            return self.planned.popleft() if self.planned else self.default

    def _handle(self, conn):
        with conn:
            conn.settimeout(10)
            try:
                head, body = _read_request(conn)
            except (OSError, ValueError):
                return
            method, path = head.split(b" ", 2)[:2]
            method, path = method.decode("latin-1"), path.decode("latin-1")
            fault = self._next_fault(path)
            entry = [fault, method, path, None]
            with self._lock:
                self.log.append(entry)
            try:
                if fault == "drop_request":
                    pass
                elif fault == "stall":
                    self._hold(conn)
                elif fault == "cut_body":
                    with socket.create_connection(self.upstream, timeout=10) as hub:
                        hub.sendall(head + body[: len(body) // 2])
                        hub.shutdown(socket.SHUT_RDWR)
                else:
                    answer = self._forward(head + body)
                    entry[3] = _status(answer)
                    if fault == "pass":
                        conn.sendall(answer)
                    elif fault == "stall_answer":
                        self._hold(conn)
                    elif fault == "cut_answer":
                        start = answer.index(b"\r\n\r\n") + 4
                        conn.sendall(answer[: start + max(1, (len(answer) - start) // 2)])
            except OSError:
                pass

    def _forward(self, request):
        """The hub's whole answer to one request (the hub closes the connection after it)."""
        with socket.create_connection(self.upstream, timeout=10) as hub:
            hub.sendall(request)
            chunks = []
            while chunk := hub.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def _hold(self, conn):
        """Keep the connection open, saying nothing, until the laptop closes it (or the proxy stops)."""
        conn.settimeout(0.05)
        waited = 0.0
        while not self._stopping.is_set() and waited < HOLD_LIMIT:
            try:
                if conn.recv(65536) == b"":
                    return
            except TimeoutError:
                waited += 0.05
            except OSError:
                return


def _read_request(conn):
    """(head up to and including the blank line, body) of one HTTP request."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("the connection closed before a whole request head")
        data += chunk
    end = data.index(b"\r\n\r\n") + 4
    head, body = data[:end], data[end:]
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("the connection closed before the whole body")
        body += chunk
    return head, body


def _status(answer):
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None
