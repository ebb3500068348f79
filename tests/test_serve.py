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


def test_serve_https_makes_a_private_certificate_and_serves_over_tls(tmp_path):
    import ssl
    import stat

    collector = Path(sys.executable).with_name("collector")
    subprocess.run([collector, "init", tmp_path / "ws", "--demo"], check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [collector, "-w", tmp_path / "ws", "serve", "--https", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        cert = tmp_path / "ws" / "tls" / "cert.pem"
        for _ in range(100):
            if cert.exists():
                break
            time.sleep(0.1)
        context = ssl.create_default_context(cafile=str(cert))  # trust exactly this laptop's certificate
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"https://localhost:{port}/", timeout=2, context=context) as page:
                    body = page.read().decode()
                break
            except (OSError, ssl.SSLError):
                time.sleep(0.1)
        else:
            raise AssertionError("the collector never answered over HTTPS")
        assert "Parks and open spaces" in body
        assert stat.S_IMODE((tmp_path / "ws" / "tls" / "key.pem").stat().st_mode) == 0o600
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert f"https://127.0.0.1:{port}/" in output
