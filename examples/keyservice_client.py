#!/usr/bin/env python3
"""A client of pqwire's key service in Python, with only the standard library.

The service (``npx pqwire keyservice``) holds the keys; this program sends plaintext in
and gets hybrid post-quantum ciphertext out, and never sees a private key.

    python3 examples/keyservice_client.py /path/to/ks.sock /path/to/token

It creates an encryption key and a signing key, encrypts and decrypts a record with
associated data, signs and verifies a message, and prints what it did.
"""
import base64
import http.client
import json
import socket
import sys
import uuid


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket: http.client with the connect step replaced."""

    def __init__(self, path):
        super().__init__("localhost")
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.socket_path)


class KeyServiceError(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"{code}: {message}")
        self.status, self.code = status, code


class KeyService:
    def __init__(self, socket_path, token):
        self.conn = UnixHTTPConnection(socket_path)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if method == "POST":
            # Every POST carries a fresh request id: the service refuses a replayed one.
            headers["X-Request-Id"] = str(uuid.uuid4())
            headers["Content-Type"] = "application/json"
            data = json.dumps(body or {})
        self.conn.request(method, path, body=data, headers=headers)
        res = self.conn.getresponse()
        answer = json.loads(res.read() or b"{}")
        if res.status != 200:
            raise KeyServiceError(res.status, answer["error"]["code"], answer["error"]["message"])
        return answer


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def main(socket_path, token_file):
    with open(token_file, encoding="utf-8") as f:
        ks = KeyService(socket_path, f.read().strip())

    print("service:", ks.call("GET", "/v1/info")["version"])
    enc_key = ks.call("POST", "/v1/keys", {"type": "kem"})
    print("encryption key:", enc_key["id"], enc_key["suite"])

    sealed = ks.call("POST", "/v1/kem/encrypt", {
        "keyId": enc_key["id"], "plaintext": b64(b"card 4111 1111"), "aad": b64(b"customer 42")})
    opened = ks.call("POST", "/v1/kem/decrypt", {
        "keyId": enc_key["id"], "kemCiphertext": sealed["kemCiphertext"],
        "ciphertext": sealed["ciphertext"], "aad": b64(b"customer 42")})
    print("decrypted:", base64.b64decode(opened["plaintext"]).decode())

    try:
        ks.call("POST", "/v1/kem/decrypt", {
            "keyId": enc_key["id"], "kemCiphertext": sealed["kemCiphertext"],
            "ciphertext": sealed["ciphertext"], "aad": b64(b"customer 43")})
    except KeyServiceError as e:
        print("other aad refused:", e.code)

    sign_key = ks.call("POST", "/v1/keys", {"type": "sign"})
    signed = ks.call("POST", "/v1/sign", {"keyId": sign_key["id"], "message": b64(b"pay 10 EUR")})
    check = ks.call("POST", "/v1/verify", {
        "keyId": sign_key["id"], "message": b64(b"pay 10 EUR"), "signature": signed["signature"]})
    print("signature:", check["algorithm"], "valid" if check["valid"] else "INVALID")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: keyservice_client.py <socket> <token file>")
    main(sys.argv[1], sys.argv[2])
