"""STS, as moto's STS service extended with sts:AssumeRoot: backend (state: AssumeRoot's rules, root
sessions, the task policies' allowed actions) and responses (the wire: AssumeRoot and GetCallerIdentity for
root principals)."""
