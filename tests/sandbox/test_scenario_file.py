"""Scenario loading: validation with one-line errors naming the field, cross references, the generator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_helpers import ADMIN, MEMBER, scenario

from rootguard.sandbox import DEMO_SCENARIO, Sandbox, ScenarioError, generate_scenario, load_scenario
from rootguard.sandbox.scenarios.generator import parse_spec


def test_demo_scenario_loads_and_tells_its_story() -> None:
    sc = load_scenario(DEMO_SCENARIO)
    assert sc.organization.root_access_features == ["RootCredentialsManagement", "RootSessions"]
    invited = {a.name: a.root for a in sc.accounts if a.joined == "INVITED"}
    assert (
        invited["acquired-retail"].password and invited["acquired-retail"].access_keys[0].status == "Active"
    )
    assert invited["acquired-analytics"].mfa and not invited["acquired-analytics"].password
    assert invited["legacy-billing"].access_keys[0].status == "Inactive"
    assert invited["legacy-billing"].signing_certificates
    assert [a.name for a in sc.accounts if a.status == "SUSPENDED"] == ["old-marketing"]
    assert all(a.root is None for a in sc.accounts if a.joined == "CREATED")
    assert sc.organization.delegated_administrators["iam.amazonaws.com"] == ["222222222222"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["accounts"][1]["root"]["access_keys"][0].update(status="active"),
            "accounts[1].root.access_keys[0].status: Input should be 'Active' or 'Inactive'",
        ),
        (
            lambda d: d["accounts"][2].update(id="12345"),
            "accounts[2].id: '12345' is not a 12-digit account id",
        ),
        (
            lambda d: d["accounts"][2].update(colour="red"),
            "accounts[2].colour: Extra inputs are not permitted",
        ),
        (lambda d: d["accounts"][2].update(ou="Nope"), "accounts[2].ou: 'Nope' is not an OU listed"),
        (
            lambda d: d["accounts"][2].update(id=ADMIN),
            f"accounts[2].id: {ADMIN} is already used by accounts[0].id",
        ),
        (
            lambda d: d["organization"]["scps"][0].update(targets=["Missing/OU"]),
            "organization.scps[0].targets[0]: 'Missing/OU' is not 'Root', an OU path or an account id",
        ),
        (
            lambda d: d["organization"]["delegated_administrators"].update(
                {"iam.amazonaws.com": ["999999999999"]}
            ),
            "organization.delegated_administrators.iam.amazonaws.com[0]: 999999999999 is not a member",
        ),
        (
            lambda d: d["organization"].update(root_access_features=["RootSession"]),
            "organization.root_access_features[0]: Input should be",
        ),
        (lambda d: d["accounts"][3].update(status="CLOSED"), "accounts[3].status: Input should be 'ACTIVE'"),
    ],
)
def test_invalid_scenario_is_one_line_naming_the_field(change, expected: str) -> None:
    data = scenario()
    change(data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(data)
    text = str(exc.value)
    assert "\n" not in text
    assert text.startswith(expected), text


def test_invalid_yaml_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\norganization: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: line \d+ is not valid YAML"):
        load_scenario(bad)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        (b"name: caf\xe9\n", "not UTF-8 text (byte 9)"),
        (b"[" * 100_000, "nested too deeply to be a document rootguard reads"),
        (b"- just\n- a list\n", "the top level must be a mapping"),
    ],
)
def test_unreadable_scenario_file_is_one_line_naming_it(
    tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "scenario.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert str(exc.value) == f"{path}: {expected}"


def test_invalid_scenario_starts_nothing() -> None:
    data = scenario()
    data["accounts"][0]["joined"] = "ADOPTED"
    with pytest.raises(ScenarioError):
        Sandbox(data)
    from rootguard.sandbox import state

    assert state.active() is None


def test_parent_ou_paths_are_implied() -> None:
    sc = load_scenario(
        scenario(
            org={"ous": ["Workloads/Prod"], "scps": []},
            accounts=[{"id": ADMIN, "ou": "Workloads"}],
            generate=None,
        )
    )
    assert sc.accounts[0].ou == "Workloads"


def test_generator_is_deterministic_and_honours_rates() -> None:
    spec = "accounts=2000 password=0.1 active_keys=0.05 invited=0.3 suspended=0.01 seed=7 ous=4"
    first = generate_scenario(spec)
    second = generate_scenario(spec)
    assert [a.model_dump() for a in first.accounts] == [a.model_dump() for a in second.accounts]
    assert len(first.accounts) == 2000 and len({a.id for a in first.accounts}) == 2000
    with_password = sum(1 for a in first.accounts if a.root and a.root.password)
    invited = sum(1 for a in first.accounts if a.joined == "INVITED")
    assert 140 < with_password < 260
    assert 500 < invited < 700
    assert {a.ou for a in first.accounts} == {f"Generated/Unit-00{i}" for i in range(1, 5)}
    other = generate_scenario(spec.replace("seed=7", "seed=8"))
    assert [a.id for a in other.accounts] != [a.id for a in first.accounts]


def test_generator_adds_to_a_base_scenario_without_id_clashes() -> None:
    sc = generate_scenario("accounts=50 seed=1", base=scenario())
    ids = [a.id for a in sc.accounts]
    assert len(ids) == len(set(ids)) == 56
    assert MEMBER in ids


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("accounts=10 password=2", "generate.password: Input should be less than or equal to 1"),
        ("accounts=10 colour=red", "generate.colour: Extra inputs are not permitted"),
        ("accounts", "generate: 'accounts' is not key=value"),
    ],
)
def test_generator_spec_errors_name_the_key(spec: str, message: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_spec(spec)
    assert str(exc.value) == message
