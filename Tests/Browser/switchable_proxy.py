"""A TCP forwarder in front of the edge whose link the test can cut and restore, so the browser meets
a network that is gone (connections refused, open ones closed) — what a phone in a lift sees. Chrome's
offline emulation covers the page but not its service worker's fetches; this covers both."""
import socket
import socketserver
import threading


class SwitchableProxy:
    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self.up = True
        self.open = set()
        self.lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                if not proxy.up:
                    return
                try:
                    upstream = socket.create_connection(proxy.upstream)
                except OSError:
                    return
                with proxy.lock:
                    proxy.open.update((self.request, upstream))
                pump = threading.Thread(target=proxy.copy, args=(upstream, self.request), daemon=True)
                pump.start()
                proxy.copy(self.request, upstream)
                pump.join()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def copy(self, source, target):
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self.lock:
                self.open.discard(source)
                self.open.discard(target)

    def cut(self):
        self.up = False
        with self.lock:
            sockets = list(self.open)
        for end in sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def restore(self):
        self.up = True

    def close(self):
        self.server.shutdown()
        self.server.server_close()
