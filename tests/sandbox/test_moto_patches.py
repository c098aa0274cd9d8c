"""Every change the sandbox makes to moto is undone when it stops, and the next sandbox applies it again."""

from __future__ import annotations

from typing import Any

import boto3
import moto.core.responses as moto_responses
import moto.core.utils as moto_utils
import moto.securityhub.urls as securityhub_urls
import moto.utilities.aws_headers as moto_headers
import pytest
from moto import mock_aws
from moto.core.responses import BaseResponse
from moto.core.serialize import BaseXMLSerializer
from moto.iam.responses import IamResponse
from moto.organizations.models import FakeDelegatedAdministrator, FakeServiceAccess, OrganizationsBackend
from moto.organizations.responses import OrganizationsResponse
from moto.securityhub.responses import SecurityHubResponse
from moto.sts.responses import TokenResponse
from sandbox_helpers import AUDIT, MEMBER, scenario

from rootguard.sandbox import Sandbox
from rootguard.sandbox.moto_patches import moto_patches
from rootguard.sandbox.patching import Patch, PatchSet

_ABSENT = object()


def _held(patches: PatchSet) -> list[Any]:
    """What each patched attribute holds in its owner's own namespace."""
    return [vars(p.owner).get(p.name, _ABSENT) for p in patches.patches]


def test_stop_puts_back_what_every_patched_attribute_held() -> None:
    patches = moto_patches()
    before = _held(patches)
    sandbox = Sandbox(scenario()).start()
    try:
        assert all(held is p.value for held, p in zip(_held(patches), patches.patches, strict=True))
    finally:
        sandbox.stop()
    assert all(now is then for now, then in zip(_held(patches), before, strict=True))
    assert not patches.applied


def test_moto_is_moto_again_after_stop() -> None:
    Sandbox(scenario()).start().stop()
    assert BaseResponse.call_action.__module__ == "moto.core.responses"
    assert BaseResponse.get_current_account.__module__ == "moto.core.responses"
    assert moto_responses.gen_amzn_requestid_long is moto_headers.gen_amzn_requestid_long
    assert moto_responses.method_names_from_class is moto_utils.method_names_from_class
    assert BaseXMLSerializer._serialize_body.__module__ == "moto.core.serialize"
    assert not hasattr(IamResponse, "list_organizations_features")
    assert (
        IamResponse.get_user.__module__ == IamResponse.get_account_summary.__module__ == "moto.iam.responses"
    )
    assert not hasattr(TokenResponse, "assume_root")
    assert TokenResponse.get_caller_identity.__module__ == "moto.sts.responses"
    assert (
        vars(OrganizationsResponse)["organizations_backend"].fget.__module__ == "moto.organizations.responses"
    )
    assert OrganizationsBackend.list_accounts.__module__ == "moto.organizations.models"
    assert OrganizationsBackend.create_account.__module__ == "moto.organizations.models"
    assert "iam.amazonaws.com" not in FakeServiceAccess.TRUSTED_SERVICES
    assert "iam.amazonaws.com" not in FakeDelegatedAdministrator.SUPPORTED_SERVICES
    assert {handler.__self__ for handler in securityhub_urls.url_paths.values()} == {SecurityHubResponse}


def test_plain_mock_aws_after_a_sandbox_answers_as_moto() -> None:
    Sandbox(scenario()).start().stop()
    with mock_aws():
        with pytest.raises(NotImplementedError):
            boto3.client("iam", region_name="us-east-1").list_organizations_features()
        with pytest.raises(NotImplementedError):
            boto3.client("sts", region_name="us-east-1").assume_root(
                TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT}
            )


def test_the_next_sandbox_applies_the_same_patches_again() -> None:
    for _ in range(3):
        with Sandbox(scenario()) as sb:
            assert moto_patches().applied
            features = sb.session().client("iam").list_organizations_features()["EnabledFeatures"]
            assert features == ["RootCredentialsManagement", "RootSessions"]
            creds = (
                sb.session().client("sts").assume_root(TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})
            )
            assert creds["Credentials"]["AccessKeyId"]
    assert moto_patches() is moto_patches()  # built once per process, never around a patched moto


def test_a_refused_second_sandbox_leaves_the_running_one_patched() -> None:
    with Sandbox(scenario()) as first:
        with pytest.raises(RuntimeError, match="another Sandbox is already running"):
            Sandbox(scenario()).start()
        assert moto_patches().applied
        assert first.session().client("iam").list_organizations_features()["EnabledFeatures"]
    assert not moto_patches().applied


# ------------------------------------------------------------------------------------------------ PatchSet


class _Base:
    def inherited(self) -> str:
        return "base"


class _Owner(_Base):
    kept = "moto"

    @staticmethod
    def helper() -> str:
        return "moto"


def test_patch_set_restores_own_inherited_and_absent_attributes() -> None:
    original_helper = vars(_Owner)["helper"]
    patches = PatchSet(
        [
            Patch(_Owner, "kept", "sandbox"),
            Patch(_Owner, "helper", staticmethod(lambda: "sandbox")),
            Patch(_Owner, "inherited", lambda self: "sandbox"),
            Patch(_Owner, "added", "sandbox"),
        ]
    )
    for _ in range(2):
        patches.apply()
        assert (_Owner.kept, _Owner.helper(), _Owner().inherited(), _Owner.added) == ("sandbox",) * 4
        patches.undo()
        assert (_Owner.kept, _Owner.helper(), _Owner().inherited()) == ("moto", "moto", "base")
        assert vars(_Owner)["helper"] is original_helper
        assert "inherited" not in vars(_Owner) and not hasattr(_Owner, "added")
    patches.undo()  # not applied: nothing to do


def test_patch_set_refuses_to_apply_twice_or_patch_one_attribute_twice() -> None:
    patches = PatchSet([Patch(_Owner, "kept", "sandbox")])
    patches.apply()
    try:
        with pytest.raises(RuntimeError, match="already applied"):
            patches.apply()
    finally:
        patches.undo()
    with pytest.raises(ValueError, match="patched twice"):
        PatchSet([Patch(_Owner, "kept", 1), Patch(_Owner, "kept", 2)])


def test_patch_set_that_fails_halfway_puts_back_what_it_set() -> None:
    patches = PatchSet([Patch(_Owner, "kept", "sandbox"), Patch(object, "frozen", "sandbox")])
    with pytest.raises(TypeError):
        patches.apply()  # builtins refuse new attributes
    assert _Owner.kept == "moto" and not patches.applied
