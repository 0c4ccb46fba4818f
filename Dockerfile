# The production image: gunicorn serving the app, whitenoise serving the compiled static files.
# Build:  docker build -t innovation-checklist .
# Run:    docker run -p 8000:8000 -e SECRET_KEY=... -e ALLOWED_HOSTS=... -e DATABASE_URL=... \
#           -e EMAIL_HOST=... innovation-checklist
# Migrations run as a separate step, once per deploy, not in every container:
#         docker run --rm -e ... innovation-checklist python manage.py migrate

# --- Front end: GOV.UK Frontend compiled with the system font stack ---------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static ./static
RUN npm run build

# --- The app ----------------------------------------------------------------------------------
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH="/app/.venv/bin:$PATH" \
    PORT=8000

# WeasyPrint's system libraries (Pango, and HarfBuzz subsetting, which makes PDFs about twice as
# fast) and fonts for the PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
# Dependencies first, from the lock file alone, so code changes do not reinstall them.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
COPY --from=assets /build/static/dist ./static/dist
# collectstatic only reads settings; the key is a throwaway that no running container uses.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --uid 10001 --no-create-home --home-dir /app app
USER app

EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
