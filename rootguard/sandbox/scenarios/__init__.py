"""Scenarios: the format (model), reading and checking them (loader), large organizations from one line
(generator), writing one into moto's backends (seeding), and the bundled scenario files next to this module.
"""

from pathlib import Path

SCENARIOS_DIR = Path(__file__).parent
DEMO_SCENARIO = SCENARIOS_DIR / "demo.yaml"
