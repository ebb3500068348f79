"""The floor: the least a Flask app under waitress can do for the same requests.

Same URLs, methods, redirects and request count as filling in a form on the
collector, but every GET returns a small fixed page and every POST commits one
row to SQLite with the collector's durability settings (WAL,
synchronous=FULL, one BEGIN IMMEDIATE transaction per write, one connection
per thread). No templates, no sessions, no validation.

It runs on the same server as `collector serve` (collector.serving: waitress with
saves first and an event loop that does not spin while a thread sends), so the
floor is what the stack allows, not a waitress bug the collector avoids;
--stock-waitress serves it with waitress as it comes instead, to show that bug.

    python bench/floor_app.py --port 8123 --db /tmp/floor.db --pages 1,3,4,5,6 --threads 16 --connection-limit 1000

--connection-limit is waitress's: it stops accepting connections beyond it (100 by
default), and every simulated tablet keeps one open.
"""

import argparse
import json
import sqlite3
import threading
import time
import uuid

from flask import Flask, abort, redirect, request

PAGE = ('<!doctype html><html lang="en"><title>Floor</title><form method="post">'
        '<input type="hidden" name="csrf_token" value="floor-token">'
        '<button type="submit" name="_action" value="{action}">Go</button></form></html>')


def create_app(db_path, pages):
    app = Flask(__name__)
    local = threading.local()

    def db():
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(db_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            local.conn = conn
        return conn

    def write(response_id, page, action):
        conn = db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "insert into rows (response_id, page, action, body, at) values (?, ?, ?, ?, ?)",
                [response_id, page, action, json.dumps(request.form.to_dict(flat=False)), time.time()],
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @app.get("/")
    def start():
        return PAGE.format(action="start")

    @app.get("/f/<form_id>")
    def intro(form_id):
        return PAGE.format(action="start")

    @app.post("/f/<form_id>")
    def begin(form_id):
        response_id = str(uuid.uuid4())
        write(response_id, 0, "start")
        return redirect(f"/r/{response_id}/{pages[0]}", 303)

    @app.get("/r/<response_id>/<int:number>")
    def page(response_id, number):
        return PAGE.format(action="submit" if number == pages[-1] else "next")

    @app.post("/r/<response_id>/<int:number>")
    def save(response_id, number):
        if number not in pages:
            abort(404)
        action = request.form.get("_action", "next")
        write(response_id, number, action)
        if action == "submit":
            return redirect(f"/r/{response_id}/thanks", 303)
        return redirect(f"/r/{response_id}/{pages[pages.index(number) + 1]}", 303)

    @app.get("/r/<response_id>/thanks")
    def thanks(response_id):
        return "<!doctype html><html lang='en'><title>Thanks</title><p>Thank you.</p></html>"

    return app


def prepare(db_path):
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("create table if not exists rows (id integer primary key, response_id text, page integer, action text, body text, at real)")
    conn.close()


def count_submitted(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select count(*) from rows where action = 'submit'").fetchone()[0]
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--pages", required=True, help="section numbers a respondent visits, e.g. 1,3,4,5,6")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--connection-limit", type=int, default=100, help="waitress's connection_limit")
    parser.add_argument("--stock-waitress", action="store_true", help="serve with waitress as it comes, not collector.serving")
    args = parser.parse_args()

    prepare(args.db)
    pages = [int(p) for p in args.pages.split(",")]
    app = create_app(args.db, pages)
    if args.stock_waitress:
        import waitress

        waitress.serve(app, host="127.0.0.1", port=args.port, threads=args.threads,
                       connection_limit=args.connection_limit, _quiet=True)
    else:
        from collector import serving

        serving.serve(app, "127.0.0.1", args.port, args.threads, connection_limit=args.connection_limit)


if __name__ == "__main__":
    main()
