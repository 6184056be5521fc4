"""A stand-in for `uvicorn --workers 2`: the main process binds the port, two forked workers serve it."""

import os
import signal
import socket
import sys
import time

listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen()
for _ in range(2):
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        while True:
            connection, _ = listener.accept()
            connection.close()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    time.sleep(1)
