"""Serving over plain HTTP with waitress, answers first.

At a busy event the laptop's one core is the bottleneck and requests queue.
A request that saves answers (a POST: a page's answers, a submission, a paper
copy keyed, a laptop's sync batch) is served before the page views waiting
with it, so the moment a person presses Submit is the one that waits least,
and an answer spends as little time as possible only in a tablet's memory.
Page views take the wait instead, which a person notices less.
"""

from collections import deque

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


def serve(app, host, port, threads, **options):
    """Serve app with waitress until stopped; options are waitress's own (connection_limit, ...)."""
    import waitress

    # _dispatcher is waitress's hook for its own tests; waitress>=3.0 in setup.cfg, checked by tests/test_serving.py.
    waitress.serve(app, host=host, port=port, threads=threads, _dispatcher=dispatcher(threads), _quiet=True, **options)
