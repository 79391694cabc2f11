using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Telemetry;

/// <summary>
/// The audit log of the real gateway: one structured event per decision with the key's name, profile, source, host,
/// codes, cache status, duration and trace id — and, with every category logging at Trace, no key, token,
/// Authorization value or presigned query in any line.
/// </summary>
public sealed class AuditLogTests
{
    private const string AuditCategory = "ModelGateway.Audit";
    private const string UserToken = "s3cr3t-user-token";
    private const string Signature = "presigned-signature-0123";
    private const string BearerToken = "bearer-secret-4567";
    private const string WrongKey = "wrong-key-not-configured-89";

    [Fact]
    public async Task Audit_AllowedRefusedHostRefusedLimitedAndUnauthenticated_OneEventEachWithItsFields()
    {
        var safetensors = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Audited LoRA"));
        await using var host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/files/good.safetensors", ["GET", "HEAD"], () => Results.Bytes(safetensors, "application/octet-stream", enableRangeProcessing: true));
            app.MapMethods("/files/pickle.safetensors", ["GET", "HEAD"], () => Results.Bytes(ModelFiles.TorchZip(), "application/octet-stream", enableRangeProcessing: true));
        });
        var logs = new FakeLogCollector();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Policy:BlockedHosts:0"] = "blocked.example",
            ["PolicyProfiles:strict:AllowedFormats:0"] = "SafeTensor",
            ["ApiKeys:1:PermitLimit"] = "2",
        }, new FakeLoggerProvider(logs));
        using var team = gateway.CreateClient(TestKeys.Default);
        using var strict = gateway.CreateClient(TestKeys.Strict);
        using var anonymous = gateway.CreateClient(apiKey: null);

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(team, MetadataPath(host.Url("files/good.safetensors"))));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(strict, MetadataPath(host.Url("files/pickle.safetensors"))));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(strict, MetadataPath(new Uri("https://blocked.example/files/model.safetensors"))));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(strict, MetadataPath(host.Url("files/good.safetensors"))));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(anonymous, MetadataPath(host.Url("files/good.safetensors"))));

        var audit = logs.GetSnapshot().Where(r => r.Category == AuditCategory).ToList();
        Assert.Equal(["MetadataAnswered", "MetadataAnswered", "MetadataFailed", "RateLimited", "MissingApiKey"], audit.Select(r => r.Id.Name));

        var allowed = Fields(audit[0]);
        Assert.Equal(LogLevel.Information, audit[0].Level);
        Assert.Equal("valid", allowed["Outcome"]);
        Assert.Equal("default-team", allowed["KeyName"]);
        Assert.Equal("-", allowed["Profile"]);
        Assert.Equal("http", allowed["Source"]);
        Assert.Equal("127.0.0.1", allowed["Host"]);
        Assert.Equal("-", allowed["ErrorCodes"]);
        Assert.Equal("-", allowed["WarningCodes"]);
        Assert.Equal("MISS", allowed["CacheStatus"]);
        Assert.True(long.Parse(allowed["DurationMs"]!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Matches("^[0-9a-f]{32}$", allowed["TraceId"]);

        var refused = Fields(audit[1]);
        Assert.Equal("invalid", refused["Outcome"]);
        Assert.Equal("strict-team", refused["KeyName"]);
        Assert.Equal("strict", refused["Profile"]);
        Assert.Equal("FORMAT_NOT_ALLOWED", refused["ErrorCodes"]);
        Assert.Equal("FORMAT_MISMATCH", refused["WarningCodes"]);
        Assert.Equal("MISS", refused["CacheStatus"]);
        Assert.NotEqual(allowed["TraceId"], refused["TraceId"]);

        var hostRefused = Fields(audit[2]);
        Assert.Equal("400", hostRefused["StatusCode"]);
        Assert.Equal("UNSUPPORTED_SOURCE", hostRefused["Code"]);
        Assert.Equal("strict-team", hostRefused["KeyName"]);
        Assert.Equal("blocked.example", hostRefused["Host"]);
        Assert.Equal("none", hostRefused["Source"]);
        Assert.Equal("The host \"blocked.example\" is not an allowed source.", hostRefused["Detail"]);

        var limited = Fields(audit[3]);
        Assert.Equal(LogLevel.Warning, audit[3].Level);
        Assert.Equal("429", limited["StatusCode"]);
        Assert.Equal("RATE_LIMITED", limited["Code"]);
        Assert.Equal("strict-team", limited["KeyName"]);
        Assert.Equal("limited", limited["Reason"]);
        Assert.Equal("2", limited["Limit"]);
        Assert.Equal("60", limited["WindowSeconds"]);
        Assert.Equal("GetRemoteAssetMetadata", limited["Endpoint"]);
        Assert.Equal("0", limited["HeldBack"]);

        var missingKey = Fields(audit[4]);
        Assert.Equal("unknown", missingKey["ClientAddress"]); // the test server has no TCP peer
        Assert.Equal("0", missingKey["HeldBack"]);
    }

    [Fact]
    public async Task Logs_EveryCategoryAtTrace_NoKeyTokenAuthorizationOrPresignedQueryInAnyLine()
    {
        var safetensors = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Secret-free LoRA"));
        await using var storage = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/blobs/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(safetensors, "application/octet-stream", enableRangeProcessing: true)));
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () =>
                Results.Redirect(storage.Url($"blobs/model.safetensors?X-Amz-Signature={Signature}&X-Amz-Credential=AKIDEXAMPLE").AbsoluteUri)));
        var logs = new FakeLogCollector();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Yarp"] = "Trace",
            ["Logging:LogLevel:ModelGateway"] = "Trace",
        }, new FakeLoggerProvider(logs));
        using var team = gateway.CreateClient(TestKeys.Default);
        using var wrong = gateway.CreateClient(WrongKey);
        using var bearer = gateway.CreateClient(apiKey: null);
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", BearerToken);
        var withToken = MetadataPath(host.Url($"files/model.safetensors?token={UserToken}"));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(team, withToken));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(team, withToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(wrong, withToken));
        await StatusAsync(bearer, withToken);
        await StatusAsync(team, "/civitai/api/download/models/1?token=" + UserToken);

        var records = logs.GetSnapshot();
        Assert.Contains(records, r => r.Category == AuditCategory && r.Id.Name == "MetadataAnswered");
        Assert.True(records.Count > 10, $"Only {records.Count} lines were logged; Trace logging is not on.");
        string[] secrets = [TestKeys.Default, TestKeys.Strict, WrongKey, UserToken, BearerToken, Signature, "AKIDEXAMPLE", "token="];
        foreach (var record in records)
        {
            var text = record.Message + " " + string.Join(" ", record.StructuredState?.Select(s => s.Key + "=" + s.Value) ?? [])
                + " " + record.Exception;
            Assert.DoesNotContain(secrets, secret => text.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Process_JsonConsoleFormatterSelectedByConfiguration_AuditEventIsOneJsonLineWithItsFields()
    {
        var safetensors = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("JSON LoRA"));
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/json.safetensors", ["GET", "HEAD"], () => Results.Bytes(safetensors, "application/octet-stream", enableRangeProcessing: true)));
        await using var gateway = await GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Logging__Console__FormatterName"] = "json",
            ["ApiKeys__0__Name"] = "json-team",
            ["ApiKeys__0__KeySha256"] = TestKeys.Sha256Hex(TestKeys.Default),
            ["Egress__AllowPrivateNetworks"] = "true",
        });
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);

        using var response = await client.GetAsync(MetadataPath(host.Url("files/json.safetensors?token=" + UserToken)).TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var line = await gateway.WaitForOutputAsync(l => l.Contains("\"Category\":\"ModelGateway.Audit\"", StringComparison.Ordinal));

        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal(1, root.GetProperty("EventId").GetInt32());
        var state = root.GetProperty("State");
        Assert.Equal("valid", state.GetProperty("Outcome").GetString());
        Assert.Equal("json-team", state.GetProperty("KeyName").GetString());
        Assert.Equal("http", state.GetProperty("Source").GetString());
        Assert.Equal("127.0.0.1", state.GetProperty("Host").GetString());
        Assert.Equal("MISS", state.GetProperty("CacheStatus").GetString());
        Assert.Matches("^[0-9a-f]{32}$", state.GetProperty("TraceId").GetString());
        Assert.DoesNotContain(gateway.Output, l => l.Contains(UserToken, StringComparison.Ordinal) || l.Contains(TestKeys.Default, StringComparison.Ordinal));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    private static Dictionary<string, string?> Fields(FakeLogRecord record) =>
        record.StructuredState!.ToDictionary(s => s.Key, s => s.Value);
}
