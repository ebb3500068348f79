"""Where tablets can reach this laptop, and the QR code that takes them there."""

import json
import socket
import subprocess

import segno


def local_addresses():
    """This machine's IPv4 addresses other than loopback, best guess first.

    Read from the system (iproute2 where it exists, else the host's name
    records): nothing is sent on the network.
    """
    found = []
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr", "show", "scope", "global"], capture_output=True, text=True, timeout=3)
        for link in json.loads(out.stdout or "[]"):
            if "UP" in link.get("flags", []):
                found += [a["local"] for a in link.get("addr_info", []) if a.get("local")]
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    for info in infos:
        address = info[4][0]
        if not address.startswith("127.") and address not in found:
            found.append(address)
    return found


def public_url(host, port):
    """The address to give tablets for a server bound to host:port."""
    if host in ("0.0.0.0", "", "::"):
        addresses = local_addresses()
        host = addresses[0] if addresses else "127.0.0.1"
    return f"http://{host}:{port}/"


def qr_svg(url):
    """The address as an inline SVG QR code."""
    return segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff", title=url, omitsize=True)


def qr_terminal(url, out):
    """Draw the address as a QR code in the terminal; a terminal that cannot show it gets none."""
    try:
        segno.make(url, error="m").terminal(out=out, compact=True)
    except (OSError, UnicodeEncodeError):
        pass
