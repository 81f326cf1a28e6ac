"""A local SMTP sink for the drill: accepts every message and remembers (recipients, subject).

The standard library's ``smtpd`` is gone from Python 3.12; this is the few commands an
``smtplib`` client (Django's SMTP backend) uses, in a thread per connection.
"""

import email
import socketserver
import threading
from email.header import decode_header, make_header


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self._reply("220 drill-sink ESMTP")
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-drill-sink" if verb == "EHLO" else "250 drill-sink")
                if verb == "EHLO":
                    self._reply("250 8BITMIME")
            elif verb == "MAIL":
                recipients = []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                message = email.message_from_bytes(b"".join(lines))
                subject = str(make_header(decode_header(message.get("Subject", ""))))
                self.server.sink.record(sorted(recipients), subject)
                self._reply("250 OK queued")
            elif verb == "RSET":
                recipients = []
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self, port: int):
        self.messages: list[tuple[list[str], str]] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.sink = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def record(self, recipients: list[str], subject: str) -> None:
        with self._lock:
            self.messages.append((recipients, subject))

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def start(self) -> "SmtpSink":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
