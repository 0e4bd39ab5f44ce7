#!/usr/bin/env python3
"""The demo's WPCOM stand-in: answers every POST with 200 {"ok":true} and appends the notice to a
log file, one line per request: "<UTC time> <Authorization header> <body as received>".

usage: demo-wpcom.py PORT LOGFILE   (binds 127.0.0.1 only)
"""
import datetime
import http.server
import sys

MAX_BODY = 64 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server naming)
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        body = self.rfile.read(length).decode("utf-8", "replace").replace("\n", " ")
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        auth = self.headers.get("Authorization", "-")
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(f"{stamp} {self.path} auth={auth!r} {body}\n")
        reply = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, fmt, *args):
        sys.stderr.write("demo-wpcom: " + (fmt % args) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.log_path = sys.argv[2]
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
