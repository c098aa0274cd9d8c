"""rootguard checks whose Prowler ServiceName is iam; each sub-package is a folder of checks/."""
