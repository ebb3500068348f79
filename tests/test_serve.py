"""`collector serve` runs under waitress, prints where to connect and a QR code."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_under_waitress_and_prints_the_address(tmp_path):
    collector = Path(sys.executable).with_name("collector")
    subprocess.run([collector, "init", tmp_path / "ws", "--demo"], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [collector, "-w", tmp_path / "ws", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    body = page.read().decode()
                    server = page.headers["Server"]
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the collector never answered")
        assert "Parks and open spaces" in body
        assert server == "collector"  # waitress, named; Flask's development server says Werkzeug
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output
    assert "█" in output  # the QR code, drawn in the terminal


def test_serve_on_a_port_in_use_says_so(tmp_path):
    collector = Path(sys.executable).with_name("collector")
    subprocess.run([collector, "init", tmp_path / "ws"], check=True, capture_output=True)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([collector, "-w", tmp_path / "ws", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "Is another collector running?" in result.stderr and "Traceback" not in result.stderr
