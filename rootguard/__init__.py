"""rootguard: audit AWS Organizations centralized root access and publish the results to Security Hub CSPM."""

__version__ = "0.1.0"
