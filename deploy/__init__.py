"""rootguard's deployment files: the CloudFormation templates here and the IAM policies generated from them.

Installed as ``rootguard.deploy`` (setup.cfg maps this folder), so a pip-installed rootguard carries them:
``rootguard deploy show scanner-policy`` prints one, ``rootguard deploy write DIR`` copies them all.
``build.py`` renders the policies (``python deploy/build.py``, or ``python -m rootguard.deploy.build`` installed).
"""
