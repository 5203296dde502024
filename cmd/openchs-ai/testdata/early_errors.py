"""Sends uploads the service refuses before reading them (a wrong key, a
body over the size limit) the way Python clients do, the whole multipart
body first, and prints what each got: status and error code, or the
exception when the connection was cut under the client."""
import json
import sys

import requests

base, key, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = b"RIFF" + b"\0" * size
for name, headers in (("wrong key", {"X-API-Key": "x" * 40}), ("too large", {"X-API-Key": key})):
    try:
        r = requests.post(base + "/audio/process", headers=headers,
                          files={"audio": ("call.wav", body, "audio/wav")},
                          data={"language": "en"}, timeout=120)
        print(name, r.status_code, r.json()["error"]["code"])
    except Exception as e:  # a reset connection, a broken pipe
        print(name, "failed", type(e).__name__, str(e)[:200])
