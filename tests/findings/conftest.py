from __future__ import annotations

import pytest
from findings_samples import MGMT, sample_results

from rootguard.findings import Placement
from rootguard.models import Result


@pytest.fixture
def results() -> list[Result]:
    return sample_results()


@pytest.fixture
def central() -> Placement:
    return Placement(account_id=MGMT, region="eu-west-1", partition="aws")
