"""Serving over plain HTTP with waitress: answers first, and no busy event loop.

At a busy event the laptop's one core is the bottleneck and requests queue.
A request that saves answers (a POST: a page's answers, a submission, a paper
copy keyed, a laptop's sync batch) is served before the page views waiting
with it, so the moment a person presses Submit is the one that waits least,
and an answer spends as little time as possible only in a tablet's memory.
Page views take the wait instead, which a person notices less.

waitress's event loop (one thread, polling every connection) asks each
connection whether it has output to send. While a request's thread is in the
middle of sending its answer, stock waitress says yes, the loop finds it cannot
take the connection's lock, and goes round again at once: a busy loop holding
the GIL, which the sending thread needs to finish. With many tablets connected
every turn of the loop costs more, and at 200 tablets on two cores the loop took
nearly a whole core while the request threads starved. QuietChannel leaves such a
connection out of the loop's turn; its thread sends its own answer and wakes the
loop whenever it leaves anything unsent.
"""

import logging
import threading
from collections import deque

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ThreadedTaskDispatcher

# After this many saves in a row while a page view waits, one page view goes next,
# so a flood of saves (a hub taking many laptops' batches) never stops pages being shown.
SAVES_IN_A_ROW = 8


class AnswersFirst:
    """waitress's queue of requests waiting for a thread: the same deque-like calls
    (append, popleft, len) over two queues, saves and views, each in arrival order."""

    def __init__(self):
        self.saves = deque()
        self.views = deque()
        self.run = 0  # saves taken in a row while views waited

    def append(self, task):
        request = getattr(task, "request", None)
        (self.saves if getattr(request, "command", None) == "POST" else self.views).append(task)

    def popleft(self):
        if self.saves and (not self.views or self.run < SAVES_IN_A_ROW):
            self.run = self.run + 1 if self.views else 0
            return self.saves.popleft()
        self.run = 0
        return self.views.popleft()

    def __len__(self):
        return len(self.saves) + len(self.views)


def dispatcher(threads):
    """waitress's thread pool with the AnswersFirst queue, `threads` threads running."""
    pool = ThreadedTaskDispatcher()
    pool.queue = AnswersFirst()
    pool.set_thread_count(threads)
    return pool


class QuietChannel(HTTPChannel):
    """waitress's connection, left out of the event loop's write turn while a request
    thread holds its output lock (that thread is sending, and pulls the loop's trigger
    if it leaves output behind)."""

    def writable(self):
        pending = self.total_outbufs_len
        if (self.requests and pending and pending <= self.adj.outbuf_high_watermark
                and not (self.will_close or self.close_when_flushed)):
            if not self.outbuf_lock.acquire(False):
                return False
            self.outbuf_lock.release()
        # Above the high-water mark the sending thread waits for this loop to send, so
        # the loop keeps the connection in its turn until it can take the lock.
        return super().writable()

    def write_soon(self, data):
        written = super().write_soon(data)
        if self.total_outbufs_len:
            # Output the thread could not send yet (a slow reader): the loop may have passed
            # over this connection while the lock was held, so wake it to send the rest.
            self.server.pull_trigger()
        return written


def make_server(app, host, port, threads, **options):
    """A waitress server (not yet running) with answers first and quiet channels;
    options are waitress's own (connection_limit, ...)."""
    # _dispatcher is waitress's hook for its own tests; waitress>=3.0 in setup.cfg, checked by tests/test_serving.py.
    server = create_server(app, host=host, port=port, threads=threads, _dispatcher=dispatcher(threads), **options)
    # waitress warns on every request that waits for a thread ("Task queue depth is 3"): at a
    # busy event that is every few milliseconds, filling the volunteer's terminal with noise.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # One listening socket gives a server; several (host "localhost" on IPv4 and IPv6) a map of them.
    for listener in [server, *getattr(server, "map", {}).values()]:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = QuietChannel
    return server


def stop(server, timeout=5):
    """Stop a server (make_server's, on one address) running in another thread, as tests do: its
    connections are closed by its own event loop, which then ends; closed from here, the loop
    would go on to select on closed sockets. Returns whether the loop ended within timeout."""
    server.task_dispatcher.shutdown()
    if not server._map:
        return True  # stopped already
    ended = threading.Event()

    def close_all():
        wasyncore.close_all(server._map)
        ended.set()

    server.trigger.pull_trigger(close_all)
    return ended.wait(timeout)


def serve(app, host, port, threads, **options):
    """Serve app with waitress until stopped."""
    make_server(app, host, port, threads, **options).run()
