# The mock broker as a service. Build: docker build -t mockbroker . ; run: docker run -p 8000:8000 mockbroker
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY mockbroker ./mockbroker
EXPOSE 8000
# SIGTERM (docker stop) shuts uvicorn down gracefully
STOPSIGNAL SIGTERM
CMD ["python", "-m", "mockbroker", "serve", "--host", "0.0.0.0", "--port", "8000"]
