"""Worker threads: claim a job, run it, mark it done or back off and retry."""

from __future__ import annotations

import threading

from depshield.server.config import ServerConfig
from depshield.server.jobs import Handler
from depshield.server.logs import Timer, log
from depshield.server.queue import Job, Queue

IDLE_WAIT = 1.0  # seconds a worker sleeps when the queue is empty (a new delivery wakes it)
CHECKPOINT_EVERY = 256  # jobs: under load without a pause the write-ahead log is still folded in


class Workers:
    def __init__(self, config: ServerConfig, queue: Queue, handler: Handler) -> None:
        self.config, self.queue, self.handler = config, queue, handler
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        recovered = self.queue.recover()
        if recovered:
            log().info("jobs recovered after a restart", extra={"jobs": recovered})
        for index in range(self.config.workers):
            thread = threading.Thread(target=self._loop, name=f"depshield-worker-{index}")
            thread.daemon = True
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout)

    def _loop(self) -> None:
        self.queue.worker_connection()
        done = 0
        while not self.stopping.is_set():
            job = self.queue.claim(self.config.installation_rate)
            if job is None:
                self.queue.checkpoint()
                self.wake.wait(IDLE_WAIT)
                self.wake.clear()
                continue
            self.run(job)
            done += 1
            if done % CHECKPOINT_EVERY == 0:
                self.queue.checkpoint()
        self.queue.close()

    def run(self, job: object) -> None:

        assert isinstance(job, Job)
        timer = Timer()
        fields = {"delivery": job.delivery, "event": job.event, "attempt": job.attempts}
        try:
            note = self.handler.handle(job)
        except Exception as exc:  # noqa: BLE001 - one bad job must not stop the worker
            error = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
            again = self.queue.retry(job.delivery, error, job.attempts, self.config.max_attempts)
            log().warning(
                "job failed", extra={**fields, "error": error, "retry": again, "ms": timer.ms()}
            )
            return
        self.queue.done(job.delivery, note)
        log().info("job done", extra={**fields, "note": note, "duration_ms": timer.ms()})
