# An S3-compatible server on loopback for the tests of STORAGE_URL (test/helpers/s3-server.ts): moto's, on a port the
# system picks, printed as the first line. It stops when its standard input closes (the test process ended).
import logging
import sys

from moto.moto_server.threaded_moto_server import ThreadedMotoServer

# a line per request would fill the test output
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
