"""IAM, as moto's IAM service extended for centralized root access: backend (state: the organization's root
access features and the root user's credentials) and responses (the wire: the calls added to moto's IAM
response class and the calls answered for the root user)."""
