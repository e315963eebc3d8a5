-- wrk script: POST /api/v1/auth/signin with the benchmark user's credentials.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@imageswiss.local","password":"benchmark password 2026"}'
