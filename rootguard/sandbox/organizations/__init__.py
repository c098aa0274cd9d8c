"""AWS Organizations, as moto's organizations service extended for centralized root access: backend (state:
trusted access and delegated administration for IAM, CreateAccount's root user, ListAccounts paging) and
responses (the wire: which backend answers a delegated administrator or a member account)."""
