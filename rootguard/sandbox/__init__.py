"""A local AWS organization on moto, extended with what moto lacks.

    from rootguard.sandbox import Sandbox, load_scenario, generate_scenario, ScenarioError

    with Sandbox("rootguard/sandbox/scenarios/demo.yaml") as sb:
        iam = sb.session().client("iam")
        iam.list_organizations_features()

See docs/sandbox.md for the scenario format, the fidelity rules and the known limits.

Module map (moto's shape: per service a backend, the state, and responses, the wire):

    sandbox.py            Sandbox: start/serve/stop, sessions, test knobs, recorded calls
    serve.py, __main__    the serve command (`rootguard sandbox serve`, `python -m rootguard.sandbox`)
    serving/              the served side: application (WSGI, routed to moto), fast_path (AssumeRoot and the
                          root-session reads answered directly), http_server (keep-alive)
    scenarios/            model (the format), loader, generator, seeding; the bundled *.yaml
    organizations/ iam/ sts/ securityhub/
                          per service: backend.py (state, rules) and responses.py (moto's response class
                          extended); securityhub/ adds asff, filters, errors, api_model and controls
    request_pipeline.py   before moto's dispatch: faults, credentials, root sessions, SCPs, recording
    caller.py             who is calling (access key -> principal, once per request)
    state.py              the sandbox's own state: root users, principals, features, the active sandbox
    scp.py                SCP Deny statements, evaluated (pure)
    faults.py             quotas, latency, injected errors
    recorder.py           which actions each principal performed
    errors.py             AWS errors on the wire
    ids.py                identifiers in AWS's formats, from moto's seeded random source
    speedups.py           cheaper equivalents of moto's per-request work; xml_writer.py writes their XML
    patching.py           Patch and PatchSet: applied together, undone together
    moto_patches.py       the registry of every patch, applied on start and undone on stop
    pytest_plugin.py      the `sandbox_factory` and `demo_sandbox` fixtures

Outside the sandbox it imports only rootguard.models and rootguard.files; no module imports one that imports
it back (tests/sandbox/test_import_graph.py).
"""

from rootguard.sandbox.sandbox import Sandbox
from rootguard.sandbox.scenarios import DEMO_SCENARIO, SCENARIOS_DIR
from rootguard.sandbox.scenarios.loader import generate_scenario, load_scenario
from rootguard.sandbox.scenarios.model import Scenario, ScenarioError

__all__ = [
    "DEMO_SCENARIO",
    "SCENARIOS_DIR",
    "Sandbox",
    "Scenario",
    "ScenarioError",
    "generate_scenario",
    "load_scenario",
]
