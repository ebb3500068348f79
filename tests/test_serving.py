"""Serving answers first: under load, a request that saves answers waits least."""

import http.client
import threading
import time
from types import SimpleNamespace

import waitress

from collector import serving


def task(method):
    return SimpleNamespace(request=SimpleNamespace(command=method), method=method)


def test_saves_go_before_page_views_and_each_kind_keeps_its_order():
    queue = serving.AnswersFirst()
    for name in ("view 1", "save 1", "view 2", "save 2"):
        queue.append(SimpleNamespace(request=SimpleNamespace(command="POST" if "save" in name else "GET"), name=name))
    assert len(queue) == 4
    assert [queue.popleft().name for _ in range(4)] == ["save 1", "save 2", "view 1", "view 2"]
    assert len(queue) == 0 and not queue


def test_a_flood_of_saves_still_lets_a_page_view_through():
    queue = serving.AnswersFirst()
    queue.append(task("GET"))
    for _ in range(3 * serving.SAVES_IN_A_ROW):
        queue.append(task("POST"))
    taken = [queue.popleft().method for _ in range(serving.SAVES_IN_A_ROW + 1)]
    assert taken == ["POST"] * serving.SAVES_IN_A_ROW + ["GET"]


def test_a_task_without_a_request_is_served_as_a_page_view():
    # waitress queues error answers (a request too large, say) as tasks too.
    queue = serving.AnswersFirst()
    queue.append(SimpleNamespace(name="error"))
    queue.append(task("POST"))
    assert queue.popleft().method == "POST"
    assert queue.popleft().name == "error"


def test_waitress_serves_a_waiting_save_before_a_page_view_that_came_first():
    served, holding, release = [], threading.Event(), threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/hold":
            holding.set()
            release.wait(10)
        served.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    pool = serving.dispatcher(1)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=1, _dispatcher=pool)
    port = server.effective_port
    threading.Thread(target=server.run, daemon=True).start()

    def request(method, path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(method, path, body=b"a=1" if method == "POST" else None)
        assert conn.getresponse().status == 200
        conn.close()

    def queued(n):
        deadline = time.monotonic() + 5
        while len(pool.queue) < n:
            assert time.monotonic() < deadline, "the request never reached waitress's queue"
            time.sleep(0.01)

    clients = [threading.Thread(target=request, args=("GET", "/hold"))]
    clients[0].start()
    assert holding.wait(5)  # the only thread is busy from here
    clients.append(threading.Thread(target=request, args=("GET", "/page")))
    clients[1].start()
    queued(1)
    clients.append(threading.Thread(target=request, args=("POST", "/submit")))
    clients[2].start()
    queued(2)
    release.set()
    for client in clients:
        client.join(10)
    server.close()
    pool.shutdown()
    assert served == ["GET /hold", "POST /submit", "GET /page"]
