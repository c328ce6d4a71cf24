"""PHP itself as the reference for the wire layer: ``parse_str`` and ``http_build_query``.

Two ways to ask PHP, both running the same script (written once to a temporary file):

* ``php_parse_str(list_of_query_strings)`` / ``php_build_query(list_of_trees)`` start ONE
  ``php`` process for the whole batch (for fixed corpora);
* ``PhpWorker`` is a persistent ``php`` process answering one JSON job per line, for
  property tests that need an answer per generated example (start it once per session).

A ``parse`` answer is ``json_encode((object) $result)``: the top level is always an object
and nested PHP arrays keyed exactly ``0..n-1`` in order are JSON lists, which is the
shape ``parse_form`` promises. A ``build`` answer is the ``http_build_query`` string.

PHP runs with ``-n`` (no php.ini) and explicit settings so that the answers do not depend
on the machine's configuration. Any PHP warning or error makes the job fail with
``PhpError``: a reference that silently truncated its input (``max_input_vars``) or
reshaped it would not be a reference.

There is no skip when ``php`` is missing: the tests fail, loudly.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
from typing import IO, Any

__all__ = [
    "PhpError",
    "PhpWorker",
    "php_build_query",
    "php_executable",
    "php_parse_str",
    "php_version",
]

#: Seconds to wait for one answer before declaring the PHP process hung. This is not a
#: speed assertion: a healthy worker answers in well under a millisecond.
_ANSWER_TIMEOUT = 120.0

_MISSING_PHP = (
    "php (php-cli) was not found on PATH. The wire-layer tests compare against PHP 8.2's "
    "parse_str/http_build_query and never skip: the project's test script installs php-cli "
    "(Debian 12: `apt-get install php-cli`). Install it, or set B24_PHP to the php binary."
)

_PHP_SETTINGS = (
    "-n",  # no php.ini: the defaults below are the whole configuration
    "-d",
    "precision=14",  # PHP's default; http_build_query prints floats with it
    "-d",
    "serialize_precision=-1",  # json_encode prints floats round-trippably
    "-d",
    "max_input_vars=10000000",  # parse_str obeys it; never truncate a reference answer
    "-d",
    "error_reporting=-1",
    "-d",
    "display_errors=stderr",  # never on stdout, which carries the protocol
    "-d",
    "memory_limit=1G",
)

PHP_SCRIPT = r"""<?php
declare(strict_types=1);

const OUT_FLAGS = JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION | JSON_UNESCAPED_SLASHES;
const ERR_FLAGS = JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR;

$GLOBALS['job_warnings'] = [];
set_error_handler(static function (int $errno, string $message): bool {
    $GLOBALS['job_warnings'][] = $message;
    return true;
});

/** One job (already decoded) to one JSON-encoded answer object. */
function run_job(mixed $job): string
{
    $GLOBALS['job_warnings'] = [];
    try {
        if (!is_array($job) || !isset($job['op'])) {
            throw new InvalidArgumentException('a job is an object with an "op"');
        }
        if ($job['op'] === 'parse') {
            if (!isset($job['qs']) || !is_string($job['qs'])) {
                throw new InvalidArgumentException('parse needs a string "qs"');
            }
            $result = [];
            parse_str($job['qs'], $result);
            $value = (object) $result;
        } elseif ($job['op'] === 'build') {
            if (!array_key_exists('tree', $job) || !is_array($job['tree'])) {
                throw new InvalidArgumentException('build needs an array "tree"');
            }
            $value = http_build_query($job['tree']);
        } elseif ($job['op'] === 'version') {
            $value = PHP_VERSION;
        } else {
            throw new InvalidArgumentException('unknown op');
        }
        return json_encode(['ok' => $value, 'warnings' => $GLOBALS['job_warnings']], OUT_FLAGS);
    } catch (Throwable $e) {
        $error = get_class($e) . ': ' . $e->getMessage();
        return (string) json_encode(
            ['error' => $error, 'warnings' => $GLOBALS['job_warnings']],
            ERR_FLAGS
        );
    }
}

function decode_input(string $text): mixed
{
    return json_decode($text, true, 100000, JSON_THROW_ON_ERROR);
}

$mode = $argv[1] ?? '';
if ($mode === 'batch') {
    $jobs = decode_input((string) stream_get_contents(STDIN));
    if (!is_array($jobs) || !array_is_list($jobs)) {
        fwrite(STDERR, "batch input must be a JSON array of jobs\n");
        exit(2);
    }
    $answers = [];
    foreach ($jobs as $job) {
        $answers[] = run_job($job);
    }
    fwrite(STDOUT, '[' . implode(',', $answers) . ']');
    exit(0);
}
if ($mode === 'worker') {
    while (($line = fgets(STDIN)) !== false) {
        try {
            $job = decode_input($line);
        } catch (Throwable $e) {
            $job = null;
        }
        fwrite(STDOUT, run_job($job) . "\n");
        fflush(STDOUT);
    }
    exit(0);
}
fwrite(STDERR, "usage: php script.php batch|worker\n");
exit(2);
"""


class PhpError(RuntimeError):
    """PHP could not answer a job, or warned while answering it."""


_script_path: str | None = None


def php_executable() -> str:
    """The ``php`` binary (``$B24_PHP`` or the one on PATH); raise if there is none."""
    explicit = os.environ.get("B24_PHP")
    found = explicit if explicit else shutil.which("php")
    if not found or not os.access(found, os.X_OK):
        raise RuntimeError(_MISSING_PHP)
    return found


def _script() -> str:
    """Write the PHP script to a temporary file once per Python process."""
    global _script_path
    if _script_path is None:
        directory = tempfile.mkdtemp(prefix="b24-php-reference-")
        path = os.path.join(directory, "reference.php")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(PHP_SCRIPT)
        atexit.register(shutil.rmtree, directory, True)
        _script_path = path
    return _script_path


def _command(mode: str) -> list[str]:
    return [php_executable(), *_PHP_SETTINGS, _script(), mode]


def _job_json(job: dict[str, Any]) -> str:
    # ASCII-only JSON has no raw newline, so one job is exactly one line.
    return json.dumps(job, ensure_ascii=True, allow_nan=False)


def _unwrap(answer: Any, job: dict[str, Any]) -> Any:
    if not isinstance(answer, dict):
        raise PhpError(f"PHP answered {answer!r} to {_short(job)}")
    if "error" in answer:
        raise PhpError(f"PHP failed on {_short(job)}: {answer['error']}")
    if answer.get("warnings"):
        raise PhpError(f"PHP warned on {_short(job)}: {answer['warnings']}")
    return answer["ok"]


def _short(job: dict[str, Any]) -> str:
    text = _job_json(job)
    return text if len(text) <= 300 else text[:300] + f"... ({len(text)} chars)"


def _run_batch(jobs: list[dict[str, Any]]) -> list[Any]:
    """Run all jobs in ONE php process."""
    payload = "[" + ",".join(_job_json(job) for job in jobs) + "]"
    proc = subprocess.run(
        _command("batch"),
        input=payload.encode("ascii"),
        capture_output=True,
        timeout=_ANSWER_TIMEOUT * 5,
        check=False,
    )
    if proc.returncode != 0:
        raise PhpError(
            f"php exited with {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')[:2000]}"
        )
    answers = json.loads(proc.stdout)
    if not isinstance(answers, list) or len(answers) != len(jobs):
        raise PhpError(f"php answered {len(answers)} results for {len(jobs)} jobs")
    return [_unwrap(answer, job) for answer, job in zip(answers, jobs, strict=True)]


def php_parse_str(query_strings: list[str]) -> list[dict[str, Any]]:
    """``parse_str`` of each string, as ``json_encode((object) $result)`` shapes it."""
    results = _run_batch([{"op": "parse", "qs": qs} for qs in query_strings])
    for result in results:
        if not isinstance(result, dict):
            raise PhpError(f"parse_str answer is not an object: {result!r}")
    return results


def php_build_query(trees: list[Any]) -> list[str]:
    """``http_build_query`` of each tree (decoded by PHP with ``json_decode(..., true)``)."""
    results = _run_batch([{"op": "build", "tree": tree} for tree in trees])
    for result in results:
        if not isinstance(result, str):
            raise PhpError(f"http_build_query answer is not a string: {result!r}")
    return results


def php_version() -> str:
    """``PHP_VERSION`` of the reference binary."""
    (version,) = _run_batch([{"op": "version"}])
    if not isinstance(version, str):
        raise PhpError(f"PHP_VERSION is not a string: {version!r}")
    return version


class PhpWorker:
    """One long-lived ``php`` process answering one JSON job per line."""

    def __init__(self) -> None:
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen(
            _command("worker"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        self.version = self._call({"op": "version"})

    def parse_str(self, qs: str) -> dict[str, Any]:
        result = self._call({"op": "parse", "qs": qs})
        if not isinstance(result, dict):
            raise PhpError(f"parse_str answer is not an object: {result!r}")
        return result

    def build_query(self, tree: Any) -> str:
        result = self._call({"op": "build", "tree": tree})
        if not isinstance(result, str):
            raise PhpError(f"http_build_query answer is not a string: {result!r}")
        return result

    def _call(self, job: dict[str, Any]) -> Any:
        stdin, stdout = self._proc.stdin, self._proc.stdout
        if stdin is None or stdout is None or self._proc.poll() is not None:
            raise PhpError(f"the php worker is not running{self._stderr_tail()}")
        try:
            stdin.write(_job_json(job).encode("ascii") + b"\n")
            stdin.flush()
        except BrokenPipeError:
            raise PhpError(f"the php worker died{self._stderr_tail()}") from None
        ready, _, _ = select.select([stdout], [], [], _ANSWER_TIMEOUT)
        if not ready:
            message = f"the php worker did not answer {_short(job)}{self._stderr_tail()}"
            self.close()
            raise PhpError(message)
        line = stdout.readline()
        if not line.endswith(b"\n"):
            raise PhpError(f"the php worker died on {_short(job)}{self._stderr_tail()}")
        return _unwrap(json.loads(line), job)

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        return f"; php stderr: {text[-2000:]}" if text else ""

    def close(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()

    def __enter__(self) -> PhpWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
