"""The agents' console (issue 14): server-rendered pages over the same services the API
calls, signed in with a session cookie instead of a bearer token."""
