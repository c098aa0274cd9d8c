"""A local AWS organization on moto, extended with what moto lacks.

    from rootguard.sandbox import Sandbox, load_scenario, generate_scenario, ScenarioError

    with Sandbox("rootguard/sandbox/scenarios/demo.yaml") as sb:
        iam = sb.session().client("iam")
        iam.list_organizations_features()

See docs/sandbox.md for the scenario format, the fidelity rules and the known limits.
"""

from pathlib import Path

from rootguard.sandbox.generator import generate_scenario
from rootguard.sandbox.sandbox import Sandbox
from rootguard.sandbox.scenario import Scenario, ScenarioError, load_scenario

SCENARIOS_DIR = Path(__file__).parent / "scenarios"
DEMO_SCENARIO = SCENARIOS_DIR / "demo.yaml"

__all__ = [
    "DEMO_SCENARIO",
    "SCENARIOS_DIR",
    "Sandbox",
    "Scenario",
    "ScenarioError",
    "generate_scenario",
    "load_scenario",
]
