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
# The content root is /app: configuration is read from /app/config.
COPY config/ ./config/
ENV ASPNETCORE_URLS=http://+:8080 \
    DOTNET_NOLOGO=1
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "ModelGateway.dll"]
