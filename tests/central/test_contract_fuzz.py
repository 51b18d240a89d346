"""The published contract (``central/openapi.json``) run against a real central process by schemathesis.

Every operation gets generated requests, valid and invalid by the schema, as an enrolled kiosk
(and the demo supervisor where the path needs a staff session). Every answer must be no 5xx, a
status the contract lists, with a body that matches it; a request that breaks the schema must be
refused. A request valid by the schema may still get 422 for a rule OpenAPI cannot state (two
dates at most 92 days apart), but only with an error code that the operation's 422 description
lists after ``central.errors.REFUSED_MARK``: that check replaces schemathesis's own "valid data
is accepted".

A real ``kiosk-central serve`` on loopback rather than the ASGI app in process: the contract is
what kiosks meet over HTTP (uvicorn's parsing of odd paths, headers and bodies included), and the
file checked is the committed one, not the schema the app would generate.

Bounded and repeatable: at most ``EXAMPLES`` cases per operation (43 operations; about 3,700
requests in 22 s here), derandomized. ``CONTRACT_FUZZ_EXAMPLES=300`` makes a longer hunt.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.modes import GenerationMode

import central
from central import seed
from central.errors import REFUSED_MARK
from tests.conftest import CentralServer, start_central

CONTRACT = Path(central.__file__).parent / "openapi.json"
EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "80"))
STAFF_PATHS = ("/api/v1/staff/", "/api/v1/counters")

schema = schemathesis.openapi.from_path(CONTRACT)
# Credentials come from the fixture; schemathesis's ignored_auth check still tries requests without them.
schema.config.generation.update(with_security_parameters=False)
schema.config.checks.update(excluded_check_names=["positive_data_acceptance"])


def refused_only_as_documented(_ctx: Any, response: Any, case: schemathesis.Case[Any]) -> bool | None:
    """A 422 to a request valid by the schema must carry a code the operation's 422 lists as such."""
    if (
        response.status_code != 422
        or case.meta is None
        or case.meta.generation.mode is not GenerationMode.POSITIVE
    ):
        return None
    code = response.json().get("error")
    listed = case.operation.definition.raw["responses"]["422"]["description"].partition(REFUSED_MARK)[2]
    assert f"`{code}`" in listed, (
        f"{case.operation.label}: 422 {code!r} to a request valid by the schema, "
        f"not listed in the contract: {response.text}"
    )
    return None


class Caller:
    """The running central and who to be on it."""

    def __init__(self, server: CentralServer) -> None:
        self.server = server
        self.kiosk = {"Authorization": f"Bearer {server.enrol('KIOSK-FUZZ', 'C01')}"}
        self.session = requests.Session()
        self.staff = self.login()
        self.calls = 0

    def login(self) -> dict[str, str]:
        r = requests.post(
            f"{self.server.url}/api/v1/staff/login",
            json={"username": seed.DEMO_STAFF, "password": seed.DEMO_PASSWORD},
            timeout=10,
        )
        r.raise_for_status()
        return dict(r.cookies)

    def auth(self, path: str) -> dict[str, Any]:
        self.calls += 1
        if path == "/api/v1/staff/logout":  # a throw-away session, so the shared one lives on
            return {"cookies": self.login()}
        if path.startswith(STAFF_PATHS):
            return {"cookies": self.staff}
        return {"headers": dict(self.kiosk)}


@pytest.fixture(scope="module")
def caller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Caller]:
    server = start_central(tmp_path_factory.mktemp("fuzz") / "central.db")
    started = time.monotonic()
    try:
        caller = Caller(server)
        yield caller
        print(f"\ncontract run: {caller.calls} generated requests in {time.monotonic() - started:.1f} s")
    finally:
        server.stop()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_contract_holds_against_a_running_central(case: schemathesis.Case[Any], caller: Caller) -> None:
    auth = caller.auth(case.path)
    case.call_and_validate(
        base_url=caller.server.url,
        session=caller.session,
        timeout=10,
        additional_checks=[refused_only_as_documented],
        **auth,
    )
