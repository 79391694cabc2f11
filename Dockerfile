# The gateway image. Build from the repository root: docker build -t model-gateway .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY policies/Policies.csproj policies/
COPY proxy/Proxy.csproj proxy/
RUN dotnet restore proxy/Proxy.csproj
COPY policies/ policies/
COPY proxy/ proxy/
RUN dotnet publish proxy/Proxy.csproj -c Release -o /out --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out ./
# The content root is /app: configuration is read from /app/config (mount a site's own over it; see docker-compose.yml).
COPY config/ ./config/
# The image listens where its ASPNETCORE_HTTP_PORTS says (8080); no ASPNETCORE_URLS here to override that.
ENV DOTNET_NOLOGO=1
EXPOSE 8080
# The library's directory (Library:Path), the app user's: a new volume mounted here takes its owner.
RUN mkdir -p /app/data/library && chown "$APP_UID" /app/data/library
USER $APP_UID
# The runtime image has no curl: the binary checks its own readiness (exit 0 on 200).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["dotnet", "ModelGateway.dll", "healthcheck", "http://127.0.0.1:8080/healthz/ready"]
# Serve; or an admin command: validate-config, hash-key, healthcheck <url>, verify [--remove].
ENTRYPOINT ["dotnet", "ModelGateway.dll"]
