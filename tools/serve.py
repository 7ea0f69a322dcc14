#!/usr/bin/env python3
"""Serves a folder on 127.0.0.1 with the headers a cross-origin-isolated page needs.

    python3 tools/serve.py [--dir build/web] [--port 8080]

COOP same-origin + COEP require-corp make the page cross-origin isolated, which WASM threads
(SharedArrayBuffer) require. --port 0 picks a free port; the first line printed is
"serving http://127.0.0.1:PORT/" either way (the browser test reads it).
"""
import argparse
import functools
import http.server
import sys


class IsolatedHandler(http.server.SimpleHTTPRequestHandler):
    # .wasm must be application/wasm for streaming compilation; .mjs is JavaScript
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".css": "text/css",
        ".gguf": "application/octet-stream",
    }

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)


class QuietServer(http.server.ThreadingHTTPServer):
    # a browser that closes a page mid-download is normal, not an error to print
    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="build/web", help="folder to serve (build/web)")
    ap.add_argument("--port", type=int, default=8080, help="TCP port on 127.0.0.1, 0 = any free one (8080)")
    ap.add_argument("--quiet", action="store_true", help="do not log requests")
    args = ap.parse_args()
    handler = functools.partial(IsolatedHandler, directory=args.dir)
    with QuietServer(("127.0.0.1", args.port), handler) as srv:
        srv.verbose = not args.quiet
        print(f"serving http://127.0.0.1:{srv.server_address[1]}/", flush=True)
        try:
            srv.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
