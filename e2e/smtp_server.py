"""A real SMTP server for the tests (aiosmtpd), in three ways a provider's relay may be reached:

- plain: no TLS, AUTH PLAIN/LOGIN allowed (as on a trusted local relay);
- starttls: STARTTLS required before MAIL and AUTH (port 587 style);
- tls: implicit TLS from the first byte (port 465 style).

Every port asks for AUTH with user `billing` and password `relay-secret`. Each accepted message is
stored in the Maildir `DIR/maildir`, so a test reads exactly what arrived and how many times.
The certificate is self-signed for 127.0.0.1; its PEM is `DIR/ca.pem` (the client trusts it
through `SMTP_URL`'s `ca_file`). The ports go to `DIR/smtp.json`.

Usage: python3 e2e/smtp_server.py DIR      (runs until killed)
"""
import asyncio
import json
import mailbox
import os
import socket
import ssl
import subprocess
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = b"billing", b"relay-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    # handled=False: aiosmtpd itself answers 235 or 535.
    return AuthResult(success=ok, handled=False)


class Store:
    def __init__(self, path: str):
        self.box = mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server, session, envelope):
        message = mailbox.MaildirMessage(envelope.original_content or envelope.content)
        message["X-Envelope-From"] = envelope.mail_from
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        message["X-Authenticated"] = "yes" if session.authenticated else "no"
        message["X-TLS"] = "yes" if session.ssl else "no"
        self.box.add(message)
        return "250 Message accepted for delivery"


def main() -> None:
    # The plain port asks for AUTH without TLS on purpose (a local relay); no need to warn.
    warnings.filterwarnings("ignore", category=UserWarning)
    folder = os.path.abspath(sys.argv[1])
    os.makedirs(folder, exist_ok=True)
    cert, key = os.path.join(folder, "ca.pem"), os.path.join(folder, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    store = Store(os.path.join(folder, "maildir"))
    ports = {"plain": free_port(), "starttls": free_port(), "tls": free_port()}
    common = dict(hostname="127.0.0.1", authenticator=authenticator, auth_required=True)
    controllers = [
        Controller(store, port=ports["plain"], auth_require_tls=False, **common),
        Controller(store, port=ports["starttls"], tls_context=context, require_starttls=True, **common),
        Controller(store, port=ports["tls"], ssl_context=context, auth_require_tls=False, **common),
    ]
    for controller in controllers:
        controller.start()
    with open(os.path.join(folder, "smtp.json"), "w") as f:
        json.dump({"ports": ports, "ca": cert, "maildir": os.path.join(folder, "maildir"),
                   "user": USER.decode(), "password": PASSWORD.decode()}, f)
    print(f"smtp: plain {ports['plain']}, starttls {ports['starttls']}, tls {ports['tls']}", flush=True)
    try:
        asyncio.new_event_loop().run_forever()
    finally:
        for controller in controllers:
            controller.stop()


if __name__ == "__main__":
    main()
