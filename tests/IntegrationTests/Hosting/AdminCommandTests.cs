using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// The admin commands of the built binary, run as an operator runs them: <c>validate-config</c> (exit codes, every
/// problem), <c>hash-key</c> (the hash to store, never the key) and <c>healthcheck</c> (the container's probe).
/// </summary>
public sealed class AdminCommandTests : IDisposable
{
    private readonly DirectoryInfo _site = Directory.CreateTempSubdirectory("gateway-admin-");

    public void Dispose() => _site.Delete(recursive: true);

    [Fact]
    public async Task ValidateConfig_ShippedFilesAndAValidEnvironment_ExitZeroWithOneLine()
    {
        var (exitCode, output, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["validate-config"], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ApiKeys__0__Name"] = "team-a",
            ["ApiKeys__0__KeySha256"] = TestKeys.Sha256Hex("team-a-key"),
            ["ConnectionStrings__Redis"] = "redis:6379",
        });

        Assert.Equal(0, exitCode);
        Assert.Equal(
            $"Configuration OK: {Path.Combine(GatewayFactory.RepositoryRoot, "config")} (appsettings.Development.json, appsettings.json), environment Production, environment variables and arguments.",
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(string.Empty, errors);
    }

    [Theory]
    [InlineData("validate-config")]
    [InlineData("--urls=http://127.0.0.1:0")] // serving
    public async Task BadLogLevel_ExitOneWithTheProblemNoStackTrace(string command)
    {
        var (exitCode, output, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot,
            [command, "--Logging:LogLevel:Default=Infoo"], new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal(
            "The gateway's configuration is invalid (1 problem(s)):\n"
            + "  - Logging:LogLevel:Default: \"Infoo\" is not a log level (Trace, Debug, Information, Warning, Error, Critical or None).\n",
            errors.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task ValidateConfig_BadEnvironmentAndArgument_ExitOneListingEveryProblem()
    {
        var (exitCode, output, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot,
            ["validate-config", "--Egress:TimeoutSeconds=0"], new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ApiKeys__0__Name"] = "team-a",
                ["ApiKeys__0__KeySha256"] = "not-a-hash",
                ["ForwardedHeaders__KnownNetworks__0"] = "10.0.0.0/33",
                ["ConnectionStrings__Redis"] = "127.0.0.1:6379,password=hunter2,connectTimeout=soon",
            });

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal(
            [
                "The gateway's configuration is invalid (4 problem(s)):",
                "  - ConnectionStrings:Redis is not a valid StackExchange.Redis connection string (e.g. \"redis:6379,password=…\").",
                "  - ApiKeys:0:KeySha256 must be the 64-digit hex SHA-256 of the key (see README: \"Adding an API key\").",
                "  - Egress:TimeoutSeconds must be between 1 and 300.",
                "  - ForwardedHeaders:KnownNetworks:0: \"10.0.0.0/33\" is not a network in CIDR form (e.g. 172.16.0.0/12).",
            ],
            errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("hunter2", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateConfig_HalfSavedFileInTheSitesConfigFolder_ExitOneNamingIt()
    {
        var config = Directory.CreateDirectory(Path.Combine(_site.FullName, "config"));
        File.Copy(Path.Combine(GatewayFactory.RepositoryRoot, "config", "appsettings.json"), Path.Combine(config.FullName, "appsettings.json"));
        File.WriteAllText(Path.Combine(config.FullName, "appsettings.local.json"), "{ \"Policy\": { \"MaxSizeBytes\": ");

        var (exitCode, output, errors) = await GatewayProcess.RunAsync(_site.FullName, ["validate-config"]);

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith(
            $"The gateway's configuration is invalid (1 problem(s)):\n  - The configuration file '{Path.Combine(config.FullName, "appsettings.local.json")}' is not valid JSON: ",
            errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("team-a-key\n")]
    [InlineData("team-a-key\r\n")]
    [InlineData("team-a-key")]
    public async Task HashKey_KeyOnStandardInput_PrintsOnlyItsSha256(string input)
    {
        var (exitCode, output, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["hash-key"], input: input);

        Assert.Equal(0, exitCode);
        Assert.Equal(TestKeys.Sha256Hex("team-a-key") + "\n", output);
        Assert.Equal(string.Empty, errors);
    }

    [Theory]
    [InlineData("", "No key read from standard input.")]
    [InlineData(" padded-key\n", "The key must be printable ASCII without spaces: a header could not carry it unchanged.")]
    [InlineData("clé-secrète\n", "The key must be printable ASCII without spaces: a header could not carry it unchanged.")]
    public async Task HashKey_KeyNoHeaderCouldCarry_ExitOneWithoutEchoingIt(string input, string message)
    {
        var (exitCode, output, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["hash-key"], input: input);

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal(message + "\n", errors);
    }

    [Fact]
    public async Task HealthCheck_200_503AndNoServer_ExitCodes()
    {
        await using var host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapGet("/ready", () => Results.Ok());
            app.MapGet("/not-ready", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        });

        var ready = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["healthcheck", host.Url("ready").AbsoluteUri]);
        var notReady = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["healthcheck", host.Url("not-ready").AbsoluteUri]);
        var nobody = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["healthcheck", "http://127.0.0.1:1/healthz/ready"]);

        Assert.Equal((0, "200 OK\n"), (ready.ExitCode, ready.Output));
        Assert.Equal((1, "503 Service Unavailable\n"), (notReady.ExitCode, notReady.Output));
        Assert.Equal(1, nobody.ExitCode);
        Assert.StartsWith("No answer from http://127.0.0.1:1: ", nobody.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_ExitTwoWithUsage()
    {
        var (exitCode, _, errors) = await GatewayProcess.RunAsync(GatewayFactory.RepositoryRoot, ["validate"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("Unknown command \"validate\".\nUsage: ModelGateway", errors, StringComparison.Ordinal);
    }
}
