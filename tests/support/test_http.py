"""read_response returns the whole response even when it arrives in pieces."""

import socket
import threading

from tests.support.http import read_response


def test_a_response_sent_in_pieces_is_read_whole():
    a, b = socket.socketpair()
    parts = [b"HTTP/1.1 400 Bad Request\r\nContent-", b"Length: 5\r\n\r\n", b"he", b"llo"]

    def send():
        for p in parts:
            b.sendall(p)
    sender = threading.Thread(target=send)
    sender.start()
    with a:
        assert read_response(a) == b"".join(parts)
    sender.join()
    b.close()


def test_without_a_length_the_body_runs_to_the_close():
    a, b = socket.socketpair()
    b.sendall(b"HTTP/1.1 200 OK\r\n\r\nall of it")
    b.close()
    with a:
        assert read_response(a) == b"HTTP/1.1 200 OK\r\n\r\nall of it"
