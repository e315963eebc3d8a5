"""Verifying a webhook delivery as the Standard Webhooks specification says: the signature is
base64(HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")) under the whsec_ secret's
decoded bytes; the header may carry several ("v1,<sig> v1,<sig>" during a secret's rotation);
reject timestamps more than five minutes away. Run alone, it checks itself on the specification's
published test vector."""
import base64
import hashlib
import hmac
import time


def verify(secret, headers, body, tolerance=300, now=None):
    """True when one of the delivery's signatures is ours and its timestamp is recent."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    expected = base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, signature.split(",", 1)[1])
               for signature in headers["webhook-signature"].split() if signature.startswith("v1,"))


if __name__ == "__main__":
    # The specification's test vector (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md).
    vector = {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
              "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
    body = b'{"test": 2432232314}'
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert verify(secret, vector, body, now=1614265330), "the published vector verifies"
    assert not verify(secret, vector, body + b" ", now=1614265330), "a changed body does not"
    assert not verify(secret, vector, body, now=1614265330 + 3600), "nor an old delivery"
    print("webhook signatures verify")
