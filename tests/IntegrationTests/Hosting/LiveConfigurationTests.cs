using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;

namespace ModelGateway.IntegrationTests.Hosting;

/// <summary>
/// Editing the files under <c>config/</c> of a running gateway (a temporary copy used as its content root, watched as in
/// production): a valid edit — a new key, another <c>AllowedFormats</c>, a new <c>appsettings.local.json</c> — applies
/// without a restart; a half-saved or invalid edit is logged with every problem and the last good configuration keeps
/// serving, never a 500.
/// </summary>
public sealed class LiveConfigurationTests : IAsyncLifetime
{
    private const string NewKey = "late-team-key";
    private static readonly TimeSpan AppliesWithin = TimeSpan.FromSeconds(15);
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("gateway-live-config-");
    private readonly FakeLogCollector _logs = new();
    private FakeHost _host = null!;
    private WebApplicationFactory<Program> _gateway = null!;

    private string ConfigFolder => Path.Combine(_root.FullName, "config");

    public async Task InitializeAsync()
    {
        var safetensors = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Live LoRA"));
        _host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/files/good.safetensors", ["GET", "HEAD"], () => Results.Bytes(safetensors, "application/octet-stream", enableRangeProcessing: true));
            app.MapMethods("/files/pickle.safetensors", ["GET", "HEAD"], () => Results.Bytes(ModelFiles.TorchZip(), "application/octet-stream", enableRangeProcessing: true));
        });
        Directory.CreateDirectory(ConfigFolder);
        File.Copy(Path.Combine(GatewayFactory.RepositoryRoot, "config", "appsettings.json"), Path.Combine(ConfigFolder, "appsettings.json"));
        WriteTestingFile(Settings(withNewKey: false, allowPickle: false));
        _gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseContentRoot(_root.FullName);
            builder.UseEnvironment("Testing");
            // The test process turns watching off for its hundreds of hosts; this one is about watching.
            builder.UseSetting("hostBuilder:reloadConfigOnChange", "true");
            builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(new FakeLoggerProvider(_logs)));
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _host.DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task Edit_NewKeyAndAllowedFormats_ApplyWithoutRestart()
    {
        using var team = Client("team-key");
        using var late = Client(NewKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(late, "good.safetensors")).Status);
        var before = await GetAsync(team, "pickle.safetensors");
        Assert.Equal((HttpStatusCode.OK, false, "MISS"), (before.Status, before.IsValid, before.CacheStatus));

        WriteTestingFile(Settings(withNewKey: true, allowPickle: true));

        await WaitUntilAsync(async () => (await GetAsync(late, "good.safetensors")).Status == HttpStatusCode.OK);
        var after = await GetAsync(team, "pickle.safetensors");
        // The cached facts, judged by the new policy: verdicts are never cached.
        Assert.Equal((HttpStatusCode.OK, true, "HIT"), (after.Status, after.IsValid, after.CacheStatus));
        var applied = Assert.Single(_logs.GetSnapshot(), r => r.Id.Name == "ConfigurationApplied");
        Assert.Equal($"Configuration files in {ConfigFolder} edited; the new configuration is in force (changed: ApiKeys, Policy).", applied.Message);
        var ready = await ReadyAsync(team);
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.StartsWith("Configuration valid and in force; files watched; last edit applied at ",
            ready.GetProperty("checks").GetProperty("configuration").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_HalfSavedThenInvalid_LastGoodConfigurationKeepsServingAndEveryProblemIsLogged()
    {
        using var team = Client("team-key");
        using var late = Client(NewKey);
        var statuses = new List<HttpStatusCode>();
        var complete = Json(Settings(withNewKey: true, allowPickle: true));

        File.WriteAllText(Path.Combine(ConfigFolder, "appsettings.Testing.json"), complete[..(complete.Length / 2)]);
        var halfSaved = await WaitForRefusalAsync(r => r.Message.Contains("is not valid JSON", StringComparison.Ordinal));
        statuses.Add((await GetAsync(late, "good.safetensors")).Status);
        statuses.Add((await GetAsync(team, "good.safetensors")).Status);
        var degraded = await ReadyAsync(team);

        var invalid = Settings(withNewKey: true, allowPickle: true);
        ((Dictionary<string, object>)((List<object>)invalid["ApiKeys"])[1])["KeySha256"] = "not-a-hash";
        ((Dictionary<string, object>)invalid["Policy"])["AllowedFormats"] = new[] { "SafeTensors" };
        WriteTestingFile(invalid);
        var wrongValues = await WaitForRefusalAsync(r => r.Message.Contains("ApiKeys:1:KeySha256", StringComparison.Ordinal));
        statuses.Add((await GetAsync(late, "good.safetensors")).Status);
        var pickle = await GetAsync(team, "pickle.safetensors");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.Unauthorized], statuses);
        Assert.Equal((HttpStatusCode.OK, false), (pickle.Status, pickle.IsValid)); // AllowedFormats is still [SafeTensor]
        Assert.Equal(LogLevel.Error, halfSaved.Level);
        Assert.StartsWith(
            $"Configuration files in {ConfigFolder} edited, but the edit is refused and the last good configuration stays in force (1 problem(s)):{Environment.NewLine}  - The configuration file '{Path.Combine(ConfigFolder, "appsettings.Testing.json")}' is not valid JSON: ",
            halfSaved.Message, StringComparison.Ordinal);
        Assert.Contains("(2 problem(s))", wrongValues.Message, StringComparison.Ordinal);
        Assert.Contains($"{Environment.NewLine}  - ApiKeys:1:KeySha256 must be the 64-digit hex SHA-256 of the key", wrongValues.Message, StringComparison.Ordinal);
        Assert.Contains($"{Environment.NewLine}  - Policy:AllowedFormats:0: unknown format \"SafeTensors\"", wrongValues.Message, StringComparison.Ordinal);
        Assert.Equal("Degraded", degraded.GetProperty("status").GetString());
        Assert.StartsWith("The edit of the configuration files at ",
            degraded.GetProperty("checks").GetProperty("configuration").GetProperty("description").GetString(), StringComparison.Ordinal);

        WriteTestingFile(Settings(withNewKey: true, allowPickle: true));
        await WaitUntilAsync(async () => (await GetAsync(late, "good.safetensors")).Status == HttpStatusCode.OK);
        Assert.Equal("Healthy", (await ReadyAsync(team)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Edit_BadLogLevel_RefusedAndServing_UndoingItMakesReadyHealthyAgain()
    {
        using var team = Client("team-key");
        Assert.True((await GetAsync(team, "good.safetensors")).IsValid);
        var good = Settings(withNewKey: false, allowPickle: false);
        var badLevel = Settings(withNewKey: false, allowPickle: false);
        badLevel["Logging"] = new Dictionary<string, object> { ["LogLevel"] = new Dictionary<string, object> { ["Default"] = "Infoo" } };

        WriteTestingFile(badLevel);
        var refusal = await WaitForRefusalAsync(r => r.Message.Contains("Logging:LogLevel:Default", StringComparison.Ordinal));
        var served = await GetAsync(team, "good.safetensors");
        var degraded = await ReadyAsync(team);
        WriteTestingFile(good); // the edit undone: the files are the configuration in force again
        await WaitUntilAsync(async () => (await ReadyAsync(team)).GetProperty("status").GetString() == "Healthy");

        Assert.Contains($"{Environment.NewLine}  - Logging:LogLevel:Default: \"Infoo\" is not a log level", refusal.Message, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, true), (served.Status, served.IsValid));
        Assert.Equal("Degraded", degraded.GetProperty("status").GetString());
        Assert.Contains(_logs.GetSnapshot(), r => r.Id.Name == "ConfigurationApplied"
            && r.Message.EndsWith("(changed: nothing; the files are back to the configuration in force).", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LocalFile_CreatedWhileRunning_ReadLastOfTheFiles()
    {
        using var team = Client("team-key");
        Assert.True((await GetAsync(team, "good.safetensors")).IsValid);

        File.WriteAllText(Path.Combine(ConfigFolder, "appsettings.local.json"), """{ "Policy": { "MaxSizeBytes": 10 } }""");

        await WaitUntilAsync(async () => (await GetAsync(team, "good.safetensors")) is { Status: HttpStatusCode.OK, IsValid: false, FirstError: "FILE_TOO_LARGE" });
    }

    private static Dictionary<string, object> Settings(bool withNewKey, bool allowPickle)
    {
        var keys = new List<object> { new Dictionary<string, object> { ["Name"] = "team", ["KeySha256"] = TestKeys.Sha256Hex("team-key") } };
        if (withNewKey)
        {
            keys.Add(new Dictionary<string, object> { ["Name"] = "late-team", ["KeySha256"] = TestKeys.Sha256Hex(NewKey) });
        }
        return new Dictionary<string, object>
        {
            ["ApiKeys"] = keys,
            ["Policy"] = new Dictionary<string, object> { ["AllowedFormats"] = allowPickle ? new[] { "SafeTensor", "PickleTensor" } : new[] { "SafeTensor" } },
            ["Egress"] = new Dictionary<string, object> { ["AllowPrivateNetworks"] = true, ["TimeoutSeconds"] = 5 },
            ["RateLimiting"] = new Dictionary<string, object> { ["PermitLimit"] = 100000 },
        };
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string Json(Dictionary<string, object> settings) => JsonSerializer.Serialize(settings, Indented);

    private void WriteTestingFile(Dictionary<string, object> settings) =>
        File.WriteAllText(Path.Combine(ConfigFolder, "appsettings.Testing.json"), Json(settings));

    private HttpClient Client(string apiKey)
    {
        var client = _gateway.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        return client;
    }

    private async Task<(HttpStatusCode Status, bool IsValid, string? CacheStatus, string? FirstError)> GetAsync(HttpClient client, string file)
    {
        using var response = await client.GetAsync("/api/assets/remote-metadata?url=" + Uri.EscapeDataString(_host.Url("files/" + file).AbsoluteUri));
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, false, null, null);
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var validation = json.RootElement.GetProperty("validation");
        var errors = validation.GetProperty("errors");
        return (response.StatusCode, validation.GetProperty("is_valid").GetBoolean(), response.Headers.GetValues("X-Cache-Status").Single(),
            errors.GetArrayLength() > 0 ? errors[0].GetProperty("code").GetString() : null);
    }

    private static async Task<JsonElement> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private async Task<FakeLogRecord> WaitForRefusalAsync(Func<FakeLogRecord, bool> match)
    {
        FakeLogRecord? refusal = null;
        await WaitUntilAsync(() =>
        {
            refusal = _logs.GetSnapshot().FirstOrDefault(r => r.Id.Name == "ConfigurationRefused" && match(r));
            return Task.FromResult(refusal is not null);
        });
        return refusal!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < AppliesWithin, $"Not in force within {AppliesWithin.TotalSeconds} s.");
            await Task.Delay(100);
        }
    }
}
