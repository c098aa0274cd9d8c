"""The served sandbox: its WSGI application (moto's server application with a short path for the services
rootguard calls, and a fast path for the member audit's calls) and the keep-alive HTTP server that runs it.
`Sandbox.serve()` puts them together."""
