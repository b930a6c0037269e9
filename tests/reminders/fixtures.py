"""A group robot on loopback: a real HTTP server that records what it is sent and answers as the
platforms do — or, when a test says so, redirects, cuts its answer short, or takes a post and
closes the connection without answering."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

TOKEN = "0123456789abcdef-robot-token"
DINGTALK_OK = {"errcode": 0, "errmsg": "ok"}
FEISHU_OK = {"code": 0, "msg": "success", "data": {}}


@dataclass
class Received:
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    payload: dict
    answer_status: int | None = None  # None: the connection was closed without an answer
    answer: bytes = b""


@dataclass
class Robot:
    """What the robot has received, and how it answers the next request."""

    port: int
    received: list[Received] = field(default_factory=list)
    status: int = 200
    answer: bytes = json.dumps(DINGTALK_OK).encode()
    delay: float = 0
    release: threading.Event = field(default_factory=threading.Event)
    redirect_to: str = ""  # answer every post with 302 to this path
    drop: set[int] = field(default_factory=set)  # the posts (0, 1, …) closed without an answer
    overstated_length: int = 0  # the answer's Content-Length claims this many bytes more
    gets: list[str] = field(default_factory=list)  # paths asked for with GET

    def url(self, path: str = f"/robot/send?access_token={TOKEN}") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answers(self, answer: dict | bytes, *, status: int = 200) -> None:
        self.answer = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.status = status

    def answered_with_success(self) -> list[Received]:
        """The posts that got a 2xx answer with result code 0."""
        return [r for r in self.received if r.answer_status == 200 and _code_is_zero(r.answer)]


def _code_is_zero(answer: bytes) -> bool:
    try:
        parsed = json.loads(answer)
    except ValueError:
        return False
    return any(parsed.get(key) == 0 for key in ("errcode", "code", "StatusCode"))


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        robot: Robot = self.server.robot
        split = urlsplit(self.path)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received = Received(
            path=split.path,
            query={key: values[0] for key, values in parse_qs(split.query).items()},
            raw_query=split.query,
            headers=dict(self.headers.items()),
            payload=json.loads(body.decode()),
        )
        robot.received.append(received)
        if len(robot.received) - 1 in robot.drop:
            self.close_connection = True  # took the post, answers nothing
            return
        if robot.delay:
            robot.release.wait(robot.delay)
        if robot.redirect_to:
            status, answer, location = 302, b"", robot.redirect_to
        else:
            status, answer, location = robot.status, robot.answer, ""
        # Noted before it is written: the client may read it before this thread goes on.
        received.answer_status, received.answer = status, answer
        if not self._answer(status, answer, location=location, extra=robot.overstated_length):
            received.answer_status, received.answer = None, b""

    def do_GET(self) -> None:
        """A redirected post comes back as a GET: answer it as if it were a success."""
        robot: Robot = self.server.robot
        robot.gets.append(self.path)
        self._answer(200, json.dumps(DINGTALK_OK).encode())

    def _answer(self, status: int, body: bytes, *, location: str = "", extra: int = 0) -> bool:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) + extra))
            if location:
                self.send_header("Location", location)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            return False  # the client gave up waiting
        if extra:
            self.close_connection = True  # the rest of the promised answer never comes
        return True

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def no_proxy(monkeypatch):
    """A proxy configured on the machine must not carry the requests to loopback."""
    monkeypatch.setenv("no_proxy", "*")


@pytest.fixture
def robot(no_proxy):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.robot = Robot(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.robot
    server.robot.release.set()
    server.shutdown()
    server.server_close()
    thread.join()
