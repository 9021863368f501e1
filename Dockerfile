# The mock broker as a service. Build: docker build -t mockbroker .
# Run:   docker run -p 8000:8000 -e MOCKBROKER_ADMIN_KEY=$(openssl rand -hex 16) mockbroker
# Inside the container the service binds 0.0.0.0, i.e. beyond loopback, so it refuses to start without an admin key
# (MOCKBROKER_ADMIN_KEY, sent by clients as X-Mock-Admin-Key on /mock/*). API keys are random (see /mock/accounts).
# An open control API is possible but never the default: add "--insecure" to the command (docs/http-api.md).
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY mockbroker ./mockbroker
EXPOSE 8000
# SIGTERM (docker stop) shuts uvicorn down gracefully
STOPSIGNAL SIGTERM
CMD ["python", "-m", "mockbroker", "serve", "--host", "0.0.0.0", "--port", "8000"]
