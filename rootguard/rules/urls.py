"""AWS documentation the checks link to (Prowler's AdditionalURLs and the findings' remediation links)."""

ROOT_ACCESS_DOCS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management"
)
ENABLE_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html"
SCP_DOCS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html"
ASSUME_ROOT_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user-privileged-task.html"
DELEGATED_ADMIN_DOCS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html#id_root-delegated-admin"
)
ORGANIZATIONS_IAM_DOCS = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-iam.html"
)
