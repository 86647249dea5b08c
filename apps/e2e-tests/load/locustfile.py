"""The source design's load scenario against Docat's public API.

Each simulated user registers and logs in once, then uploads a PDF, polls a job's status
and lists its history in a 3:1:1 mix with 1-3 s of think time. A share of the users
(LOAD_FOLLOW_SHARE) follow each job they upload over SSE until it ends and then download
its results, as a person watching the web app would.

Run by `npm run load` (apps/e2e-tests/load/load-run.ts), which starts the target, sets
the variables below and reads the files this writes. Settings (environment):
  LOAD_PDF             the PDF each upload sends
  LOAD_ADMIN_EMAIL     an administrator, used once per user to put the account on the
  LOAD_ADMIN_PASSWORD  plan whose rate limits the run raises (LOAD_PLAN)
  LOAD_PLAN            default "pro"
  LOAD_FOLLOW_SHARE    0..1, default 0.2
  LOAD_JOBS_FILE       one JSON line per accepted upload (account, its token, job id, time)
  LOAD_TARGET_LANGUAGE default "de"
  LOAD_MAX_REQUESTS    stop once this many requests were sent (0: no bound)
The host must be a loopback address: the run refuses any other.
"""

import json
import os
import random
import threading
import time
import uuid
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter

PDF_PATH = os.environ["LOAD_PDF"]
with open(PDF_PATH, "rb") as handle:
    PDF_BYTES = handle.read()
PDF_NAME = os.path.basename(PDF_PATH)
ADMIN_EMAIL = os.environ["LOAD_ADMIN_EMAIL"]
ADMIN_PASSWORD = os.environ["LOAD_ADMIN_PASSWORD"]
PLAN = os.environ.get("LOAD_PLAN", "pro")
FOLLOW_SHARE = float(os.environ.get("LOAD_FOLLOW_SHARE", "0.2"))
JOBS_FILE = os.environ["LOAD_JOBS_FILE"]
TARGET_LANGUAGE = os.environ.get("LOAD_TARGET_LANGUAGE", "de")
TERMINAL = {"completed", "failed", "cancelled"}
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0"))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

_jobs_lock = threading.Lock()
_jobs_out = open(JOBS_FILE, "a", encoding="utf-8")
_admin = {"token": None}
_admin_lock = threading.Lock()


_sent = {"n": 0, "stopping": False}
_users = {"n": 0}


class SourceAddressAdapter(HTTPAdapter):
    """Connects from a given local address: each simulated user is its own client address."""

    def __init__(self, address, **kwargs):
        self._address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def _next_address():
    """127.1.x.y: the loopback network is a /8, so every user gets an address of its own."""
    _users["n"] += 1
    n = _users["n"]
    return f"127.1.{n // 250}.{n % 250 + 1}"


@events.init.add_listener
def _loopback_only(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load {environment.host!r}: only a loopback host may be the target")


@events.request.add_listener
def _bound_requests(**_kwargs):
    _sent["n"] += 1
    if MAX_REQUESTS and _sent["n"] >= MAX_REQUESTS and not _sent["stopping"]:
        _sent["stopping"] = True
        if _runner["runner"] is not None:
            gevent.spawn(_runner["runner"].quit)


_runner = {"runner": None}


@events.test_start.add_listener
def _keep_runner(environment, **_kwargs):
    _runner["runner"] = environment.runner


@events.quitting.add_listener
def _close_jobs_file(environment, **_kwargs):
    _jobs_out.close()


def _record(entry):
    with _jobs_lock:
        _jobs_out.write(json.dumps(entry) + "\n")
        _jobs_out.flush()


class DocatUser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        # Per-address limits (logins, anonymous requests) apply per person, not to the whole run.
        self.client.mount("http://", SourceAddressAdapter(_next_address()))
        self.jobs = []
        self.follows = random.random() < FOLLOW_SHARE
        self.email = f"load-{uuid.uuid4().hex[:16]}@example.com"
        self.password = f"pw-{uuid.uuid4().hex}"
        self.token = None
        with self.client.post(
            "/v1/auth/register",
            json={"email": self.email, "password": self.password},
            name="POST /v1/auth/register",
            catch_response=True,
        ) as res:
            if res.status_code != 202:
                res.failure(f"register answered {res.status_code}")
                return
        if not self._promote():
            return
        with self.client.post(
            "/v1/auth/login",
            json={"email": self.email, "password": self.password},
            name="POST /v1/auth/login",
            catch_response=True,
        ) as res:
            if res.status_code != 200:
                res.failure(f"login answered {res.status_code}")
                return
            self.token = res.json()["accessToken"]

    def _admin_token(self, renew=False):
        with _admin_lock:
            if _admin["token"] is None or renew:
                res = self.client.post(
                    "/v1/auth/login",
                    json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                    name="setup: admin login",
                )
                res.raise_for_status()
                _admin["token"] = res.json()["accessToken"]
            return _admin["token"]

    def _promote(self):
        """Puts the new account on LOAD_PLAN, the plan whose limits the run raises."""
        for attempt in range(2):
            headers = {"authorization": f"Bearer {self._admin_token(renew=attempt > 0)}"}
            found = self.client.get(
                "/v1/admin/users", params={"email": self.email}, headers=headers, name="setup: find account"
            )
            if found.status_code == 401:
                continue
            items = found.json().get("items", []) if found.status_code == 200 else []
            match = [u for u in items if u.get("email") == self.email]
            if not match:
                return False
            res = self.client.post(
                f"/v1/admin/users/{match[0]['id']}/plan", json={"plan": PLAN}, headers=headers, name="setup: set plan"
            )
            return res.status_code == 200
        return False

    def _auth(self):
        return {"authorization": f"Bearer {self.token}"}

    @task(3)
    def upload(self):
        if self.token is None:
            return
        files = {"file": (PDF_NAME, PDF_BYTES, "application/pdf")}
        # noCache: every upload is new work, not a result-cache hit on the same file.
        data = {"targetLanguage": TARGET_LANGUAGE, "outputs": "md,txt,json", "noCache": "true"}
        sent = time.time()
        with self.client.post(
            "/v1/documents", files=files, data=data, headers=self._auth(), name="POST /v1/documents", catch_response=True
        ) as res:
            if res.status_code != 202:
                code = _problem_code(res)
                res.failure(f"{res.status_code} {code}")
                return
            job_id = res.json()["id"]
        self.jobs.append(job_id)
        _record({"email": self.email, "token": self.token, "job": job_id, "submittedAt": sent})
        if self.follows:
            self._follow(job_id)

    def _follow(self, job_id):
        """Reads the job's event stream until its end, then downloads a result."""
        ended = None
        with self.client.get(
            f"/v1/jobs/{job_id}/events",
            headers={**self._auth(), "accept": "text/event-stream"},
            name="GET /v1/jobs/:id/events (until the end)",
            stream=True,
            timeout=300,
            catch_response=True,
        ) as res:
            if res.status_code != 200:
                res.failure(f"{res.status_code} {_problem_code(res)}")
                return
            for line in res.iter_lines(decode_unicode=True):
                if line and line.startswith("event: ") and line[7:] in TERMINAL:
                    ended = line[7:]
                    break
            if ended is None:
                res.failure("the stream closed before the job ended")
                return
        if ended == "completed":
            with self.client.get(
                f"/v1/jobs/{job_id}/result",
                params={"format": "md"},
                headers=self._auth(),
                name="GET /v1/jobs/:id/result",
                catch_response=True,
            ) as res:
                if res.status_code != 200:
                    res.failure(f"{res.status_code} {_problem_code(res)}")

    @task(1)
    def status(self):
        if self.token is None or not self.jobs:
            return
        job_id = random.choice(self.jobs[-5:])
        with self.client.get(f"/v1/jobs/{job_id}", headers=self._auth(), name="GET /v1/jobs/:id", catch_response=True) as res:
            if res.status_code != 200:
                res.failure(f"{res.status_code} {_problem_code(res)}")

    @task(1)
    def history(self):
        if self.token is None:
            return
        with self.client.get("/v1/jobs", headers=self._auth(), name="GET /v1/jobs", catch_response=True) as res:
            if res.status_code != 200:
                res.failure(f"{res.status_code} {_problem_code(res)}")


def _problem_code(res):
    try:
        return res.json().get("code", "")
    except ValueError:
        return ""
