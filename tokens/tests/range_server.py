"""A breached-passwords range server on the loopback address, in a thread, answering as Have I Been
Pwned's range API does (not a test module: neither runner collects it).
"""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Otherwise strong passwords (long, not common, not numeric, unlike any user's name or address),
# so that a refusal can only be the breach check's. The first is in the server's list.
BREACHED = "violet-harbour-kettle-73"
SAFE = "amber-lantern-orchard-58"


def sha1_hex(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


class RangeServer:
    """Answers ``GET <prefix>`` with the suffixes of ``breached`` under that prefix, padded with
    lines of count 0 (one of them ``SAFE``'s suffix, as a padded answer may hold it); records every
    request's path and headers. ``stall`` seconds of silence before each answer mimic a service
    that accepted the connection and hangs.
    """

    def __init__(self, breached=(BREACHED,), stall: float = 0):
        self.breached = [sha1_hex(password) for password in breached]
        self.stall = stall
        self.paths: list[str] = []
        self.headers: list[dict] = []
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.paths.append(self.path)
                server.headers.append(dict(self.headers))
                if server.stall and server.released.wait(server.stall):
                    return
                prefix = self.path.rsplit("/", 1)[-1]
                lines = [
                    f"{digest[5:]}:{3861493}" for digest in server.breached if digest[:5] == prefix
                ]
                lines += [f"{sha1_hex(SAFE)[5:]}:0", f"{'0' * 35}:0"]
                body = "\r\n".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/range/"

    def start(self) -> "RangeServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        # A stalled handler returns at once, without answering.
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
