"""rootguard checks whose Prowler ServiceName is organizations; each sub-package is a folder of checks/."""
