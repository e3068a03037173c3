"""An existing Dask cluster (``--dask-address``), checked before a run hands it work.

The cluster's workers were started before the run, perhaps on other machines. Prefect
sends the run's settings with every task, its API URL included, and a task on a worker
reports its states and logs to that URL, whatever the worker's own environment says. A
run with no Prefect server configured has no URL to send: each worker process would then
start a temporary API server of its own (seconds, about a quarter of a gigabyte, and it
lives as long as the worker), which knows nothing of the run. So a run on an existing
cluster needs a Prefect server that it and the workers both reach.

:func:`check_cluster` checks, in a second or two, what would otherwise fail mid-run with
a traceback or wait without a word: the scheduler answers, its workers can load
topicflow and reach that server. A cluster without workers is not an error (an adaptive
one starts them when tasks arrive), but it is said.

Only the standard library is imported at the top: the workers import this module to run
:func:`_reaches`, which is how a worker without topicflow shows itself.
"""

from __future__ import annotations

import asyncio

from topicflow.pipelines.errors import InputError

# How long the workers have to answer, their own check of the Prefect API included. A
# worker in a long task that holds the GIL answers late; one that never does is reported.
ANSWER_TIMEOUT_S = 60
API_TIMEOUT_S = 5

NO_API = (
    "--dask-address needs a Prefect server that the cluster's workers reach, and none is "
    "configured: set PREFECT_API_URL (e.g. http://prefect.example.org:4200/api; "
    "`prefect server start --host 0.0.0.0` starts one); without it every worker would "
    "start a temporary Prefect server of its own"
)


def check_cluster(address: str, api_url: str | None) -> str | None:
    """None when a run reporting to ``api_url`` can use the cluster at ``address``, or a
    line for the user when it can but they should know something. Raises
    :class:`InputError` (one line) when it cannot work. Connecting takes up to Dask's
    ``distributed.comm.timeouts.connect`` (30 s unless configured)."""
    if not api_url:
        raise InputError(NO_API)
    try:
        answers = asyncio.run(_survey(address, api_url))
    except TimeoutError:
        return (
            f"the Dask workers at {address} did not answer within {ANSWER_TIMEOUT_S} s; "
            f"the run goes ahead unchecked"
        )
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    if not answers:
        return (
            f"the Dask scheduler at {address} has no workers yet: the run's tasks wait "
            "until workers join (limits.stage_timeout_s, if set, bounds the wait)"
        )
    problems = sorted((worker, answer) for worker, answer in answers.items() if answer)
    if problems:
        worker, problem = problems[0]
        raise InputError(
            f"{len(problems)} of {len(answers)} Dask workers at {address} cannot run "
            f"topicflow's tasks (worker {worker}: {problem})"
        )
    return None


async def _survey(address: str, api_url: str) -> dict[str, str | None]:
    """Each worker's answer to :func:`_reaches`: None, or what is wrong."""
    from distributed import Client

    async with Client(address, asynchronous=True, set_as_default=False) as client:
        run = client.run(_reaches, api_url, on_error="return")
        answers = await asyncio.wait_for(run, ANSWER_TIMEOUT_S)
    return {worker: _said(answer) for worker, answer in answers.items()}


def _said(answer: object) -> str | None:
    if not isinstance(answer, BaseException):
        return answer  # type: ignore[return-value]
    # A worker that cannot load this module (no topicflow there) answers with a plain
    # Exception whose text names the real one: ModuleNotFoundError("No module named ...").
    return str(answer) if type(answer) is Exception else f"{type(answer).__name__}: {answer}"


async def _reaches(api_url: str) -> str | None:
    """Run on a worker: None when the Prefect API at ``api_url`` answers (any HTTP
    status: a server that wants a key still answers), else why not. A coroutine, so that
    the worker's event loop goes on while it waits."""
    import httpx

    try:
        async with httpx.AsyncClient(timeout=API_TIMEOUT_S) as http:
            await http.get(api_url.rstrip("/") + "/health")
    except Exception as exc:  # noqa: BLE001 - whatever it is, the tasks would meet it too
        return (
            f"cannot reach the Prefect API at {api_url} ({type(exc).__name__}: {exc}); set "
            "PREFECT_API_URL to an address of a Prefect server that the workers reach too"
        )
    return None
