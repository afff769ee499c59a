# One SPA (APP = frontend-plus or frontend-myaccount, served under APP_PATH):
# built with Node, served by unprivileged nginx with strict security headers.
# Build context: the repository root. The app compiles the shared kit's sources
# in from ../frontend-kit (its `@kit/*` alias), so the kit's folder sits beside it;
# the kit needs no install of its own.
FROM node:20-bookworm-slim AS build
ARG APP
WORKDIR /src/${APP}
COPY ${APP}/package.json ${APP}/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend-kit/ /src/frontend-kit/
COPY ${APP}/ ./
# Empty: the API is reached on the same origin (nginx proxies /api/).
ARG VITE_API_BASE_URL=
ENV VITE_API_BASE_URL=${VITE_API_BASE_URL}
RUN npm run build

FROM nginxinc/nginx-unprivileged:1.27-alpine
ARG APP
ARG APP_PATH
# The other app's sign-in path prefix, refused on this origin (404).
ARG SIGN_IN_ELSEWHERE
# COMPANY_LOGO_ORIGIN: the company logo's origin when the API's COMPANY_LOGO_URL is on another
# origin (its img-src); empty otherwise. Set here so the template always has a value.
ENV APP_PATH=${APP_PATH} \
    SIGN_IN_ELSEWHERE=${SIGN_IN_ELSEWHERE} \
    API_UPSTREAM=api:8080 \
    COMPANY_LOGO_ORIGIN=
COPY deploy/nginx/security-headers.conf /etc/nginx/snippets/security-headers.conf
COPY deploy/nginx/spa.conf.template /etc/nginx/templates/default.conf.template
COPY --from=build /src/${APP}/dist /usr/share/nginx/html${APP_PATH}
EXPOSE 8080
