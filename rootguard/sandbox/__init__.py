"""A local AWS organization on moto, extended with what moto lacks.

    from rootguard.sandbox import Sandbox, load_scenario, generate_scenario, ScenarioError

    with Sandbox("rootguard/sandbox/scenarios/demo.yaml") as sb:
        iam = sb.session().client("iam")
        iam.list_organizations_features()

See docs/sandbox.md for the scenario format, the fidelity rules and the known limits.
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
