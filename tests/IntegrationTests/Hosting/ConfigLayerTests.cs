using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// Configuration layers merge <c>ApiKeys</c> by index, so an entry two layers set would become one key with fields of
/// both (the environment's key with the file's policy). Such an entry is refused — at startup, by
/// <c>validate-config</c>, and on a live edit (the last good keys stay in force) — and so are duplicate hashes.
/// </summary>
public sealed class ConfigLayerTests : IAsyncLifetime
{
    private const string LocalKey = "local-file-key";
    private const string EnvironmentKey = "environment-key";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("gateway-config-layers-");

    private string ConfigFolder => Path.Combine(_root.FullName, "config");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(ConfigFolder);
        File.Copy(Path.Combine(GatewayFactory.RepositoryRoot, "config", "appsettings.json"), Path.Combine(ConfigFolder, "appsettings.json"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ValidateConfig_LocalFileEntryAtAnIndexTheEnvironmentSets_ExitOneNamingBothLayers()
    {
        // Row 5: the edit "applied", the file's key got 401 and the environment's key took the file's Policy.
        WriteLocalFile(LocalKey, policy: "pickles");

        var (exitCode, _, errors) = await GatewayProcess.RunAsync(_root.FullName, ["validate-config"], new Dictionary<string, string>
        {
            ["ApiKeys__0__Name"] = "environment-team",
            ["ApiKeys__0__KeySha256"] = TestKeys.Sha256Hex(EnvironmentKey),
        });

        Assert.Equal(1, exitCode);
        Assert.Contains("ApiKeys:0 is set by more than one configuration layer (config/appsettings.local.json, the environment variables)",
            errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateConfig_OneFieldOverriddenByAnotherFile_ExitOne()
    {
        WriteLocalFile(LocalKey, policy: null);
        File.WriteAllText(Path.Combine(ConfigFolder, "appsettings.Production.json"), """{ "ApiKeys": [ { "Policy": "pickles" } ] }""");

        var (exitCode, _, errors) = await GatewayProcess.RunAsync(_root.FullName, ["validate-config"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("ApiKeys:0 is set by more than one configuration layer (config/appsettings.Production.json, config/appsettings.local.json)",
            errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateConfig_EntriesAtTheirOwnIndexes_ExitZero()
    {
        WriteLocalFile(LocalKey, policy: "pickles");

        var (exitCode, output, errors) = await GatewayProcess.RunAsync(_root.FullName, ["validate-config"], new Dictionary<string, string>
        {
            ["ApiKeys__1__Name"] = "environment-team",
            ["ApiKeys__1__KeySha256"] = TestKeys.Sha256Hex(EnvironmentKey),
        });

        Assert.True(exitCode == 0, errors);
        Assert.StartsWith("Configuration OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateConfig_RouteThatAllowsWrites_OkWithAWarning()
    {
        var (exitCode, output, errors) = await GatewayProcess.RunAsync(_root.FullName, ["validate-config"], new Dictionary<string, string>
        {
            ["ReverseProxy__Routes__huggingface__Metadata__AllowWrites"] = "true",
        });

        Assert.True(exitCode == 0, errors);
        Assert.Contains("Warning: ReverseProxy:Routes:huggingface:Metadata:AllowWrites is true: huggingface's writes (POST, PUT, DELETE …) "
            + "reach the model host with the source's token, on behalf of every key that may use the route.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_AllowWritesOnARouteThatDoesNotEnforce_Refused()
    {
        var failure = GatewayFactory.StartupFailure(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:civitai:Metadata:EnforcePolicy"] = "false",
            ["ReverseProxy:Routes:civitai:Metadata:AllowWrites"] = "true",
            ["ReverseProxy:Routes:huggingface:Metadata:AllowWrites"] = "yes",
        });

        Assert.Contains("ReverseProxy:Routes:civitai:Metadata:AllowWrites is true, but the route does not enforce policy (Metadata:EnforcePolicy): "
            + "only an enforcing route refuses writes, so the setting would mean nothing.", failure.Problems);
        Assert.Contains("ReverseProxy:Routes:huggingface:Metadata:AllowWrites must be true or false, not \"yes\".", failure.Problems);
    }

    [Fact]
    public void Startup_DuplicateKeySha256_RefusedNamingBothKeys()
    {
        var failure = GatewayFactory.StartupFailure(new Dictionary<string, string?>
        {
            ["ApiKeys:2:Name"] = "copy-of-default",
            ["ApiKeys:2:KeySha256"] = TestKeys.Sha256Hex(TestKeys.Default).ToUpperInvariant(),
        });

        Assert.Contains("ApiKeys: the keys \"default-team\", \"copy-of-default\" have the same KeySha256: one key would act as whichever comes first.",
            failure.Problems);
    }

    [Fact]
    public async Task LiveEdit_LocalFileEntryAtAnIndexAnotherLayerSets_RefusedAndTheKeysInForceStay()
    {
        var logs = new FakeLogCollector();
        await using var gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseContentRoot(_root.FullName);
            builder.UseEnvironment("Testing");
            builder.UseSetting("hostBuilder:reloadConfigOnChange", "true");
            builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new FakeLoggerProvider(logs)));
            // Another layer, as the environment would be.
            builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ApiKeys:0:Name"] = "environment-team",
                ["ApiKeys:0:KeySha256"] = TestKeys.Sha256Hex(EnvironmentKey),
            }));
        });
        using var environmentClient = Client(gateway, EnvironmentKey);
        using var localClient = Client(gateway, LocalKey);
        Assert.Equal(HttpStatusCode.OK, await PolicyStatusAsync(environmentClient));

        WriteLocalFile(LocalKey, policy: "pickles");
        var refusal = await WaitForAsync(() => logs.GetSnapshot().FirstOrDefault(r => r.Id.Name == "ConfigurationRefused"));

        Assert.Contains("ApiKeys:0 is set by more than one configuration layer (config/appsettings.local.json, MemoryConfigurationProvider)",
            refusal.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await PolicyStatusAsync(localClient));
        using var policy = await environmentClient.GetAsync("/api/assets/policy");
        var body = await policy.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        Assert.Contains("\"key_name\":\"environment-team\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("PickleTensor", body, StringComparison.Ordinal);
    }

    private void WriteLocalFile(string key, string? policy)
    {
        var entry = policy is null
            ? $$"""{ "Name": "local-team", "KeySha256": "{{TestKeys.Sha256Hex(key)}}" }"""
            : $$"""{ "Name": "local-team", "KeySha256": "{{TestKeys.Sha256Hex(key)}}", "Policy": "{{policy}}" }""";
        File.WriteAllText(Path.Combine(ConfigFolder, "appsettings.local.json"), $$"""
            {
              "ApiKeys": [ {{entry}} ],
              "PolicyProfiles": { "pickles": { "AllowedFormats": [ "SafeTensor", "PickleTensor" ] } }
            }
            """);
    }

    private static HttpClient Client(WebApplicationFactory<Program> gateway, string key)
    {
        var client = gateway.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    private static async Task<HttpStatusCode> PolicyStatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/assets/policy");
        return response.StatusCode;
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> find)
        where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (find() is { } found)
            {
                return found;
            }
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), "Not seen within 15 s.");
            await Task.Delay(100);
        }
    }
}
