using System.Net;
using System.Text.Json;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.Decisions;

/// <summary>
/// <c>GET /api/admin/decisions</c> on the real gateway: what keys asked for and what the gateway decided, for admin keys
/// only; shared by replicas through a real Redis stream, in memory without Redis.
/// </summary>
public sealed class DecisionsEndpointTests(DownloadHosts hosts, RedisFixture redis)
    : IClassFixture<DownloadHosts>, IClassFixture<RedisFixture>
{
    public const string AdminKey = "test-key-admin-0451";

    /// <summary>The download hosts' settings and one admin key (<c>ops</c>).</summary>
    public static Dictionary<string, string?> AdminSettings(DownloadHosts hosts, string? redisConnection = null)
    {
        var settings = hosts.Settings();
        settings["ApiKeys:3:Name"] = "ops";
        settings["ApiKeys:3:KeySha256"] = TestKeys.Sha256Hex(AdminKey);
        settings["ApiKeys:3:Role"] = "Admin";
        settings["ConnectionStrings:Redis"] = redisConnection;
        return settings;
    }

    [Fact]
    public async Task Decisions_AllowedAndRefusedMetadata_AdminSeesBothNewestFirstWithoutSecrets()
    {
        hosts.CivitAi.AddDownload(8101, "allowed-8101.safetensors", SafeTensors(20_000, seed: 81));
        hosts.CivitAi.AddDownload(8102, "refused-8102.ckpt", PickleOfLength(20_000), format: "PickleTensor");
        await using var gateway = LoopbackGateway.Start(AdminSettings(hosts));
        using var user = gateway.Client(TestKeys.Default);
        using var admin = gateway.Client(AdminKey);

        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync(GatewayRequests.MetadataPath(CivitAiUrl(8101)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync(GatewayRequests.MetadataPath(CivitAiUrl(8102)))).StatusCode);
        using var response = await admin.GetAsync("/api/admin/decisions?key=default-team");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("replica", body.RootElement.GetProperty("scope").GetString());
        var events = body.RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(2, events.Count);
        var (refused, allowed) = (events[0], events[1]);
        Assert.Equal(("metadata", "default-team", "refused", 200, "civitai", "civitai.com"),
            (refused.GetProperty("kind").GetString(), refused.GetProperty("key_name").GetString(), refused.GetProperty("outcome").GetString(),
                refused.GetProperty("status_code").GetInt32(), refused.GetProperty("source").GetString(), refused.GetProperty("host").GetString()));
        Assert.Equal(["FORMAT_NOT_ALLOWED"], refused.GetProperty("codes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(("allowed", "MISS"), (allowed.GetProperty("outcome").GetString(), allowed.GetProperty("cache_status").GetString()));
        Assert.Empty(allowed.GetProperty("codes").EnumerateArray());
        Assert.True(refused.GetProperty("time").GetDateTimeOffset() >= allowed.GetProperty("time").GetDateTimeOffset());
        // Names, never keys or their hashes; hosts, never paths.
        Assert.DoesNotContain(TestKeys.Default, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.Sha256Hex(TestKeys.Default), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("/api/download/models", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decisions_OutcomeFilterAndDownloadRefusal_OnlyThoseEvents()
    {
        hosts.CivitAi.AddDownload(8103, "refused-8103.ckpt", PickleOfLength(20_000), format: "PickleTensor");
        await using var gateway = LoopbackGateway.Start(AdminSettings(hosts));
        using var user = gateway.Client(TestKeys.Strict);
        using var admin = gateway.Client(AdminKey);

        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync(DownloadPath(CivitAiUrl(8103)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/assets/download?url=not-a-url")).StatusCode);
        var refused = await EventsAsync(admin, "/api/admin/decisions?outcome=refused&key=STRICT-TEAM");
        var failed = await EventsAsync(admin, "/api/admin/decisions?outcome=failed&key=strict-team");

        var download = Assert.Single(refused);
        Assert.Equal(("download", "strict-team", "strict", 403, "/api/assets/download"),
            (download.GetProperty("kind").GetString(), download.GetProperty("key_name").GetString(), download.GetProperty("profile").GetString(),
                download.GetProperty("status_code").GetInt32(), download.GetProperty("route").GetString()));
        Assert.Equal("FORMAT_NOT_ALLOWED", download.GetProperty("codes")[0].GetString());
        var badUrl = Assert.Single(failed);
        Assert.Equal((400, "INVALID_URL_FORMAT"), (badUrl.GetProperty("status_code").GetInt32(), badUrl.GetProperty("codes")[0].GetString()));
    }

    [Fact]
    public async Task Decisions_NonAdminKey_403AdminRequired_NoKey401()
    {
        await using var gateway = LoopbackGateway.Start(AdminSettings(hosts));
        using var user = gateway.Client(TestKeys.Default);
        using var anonymous = gateway.Client(null);

        using var forbidden = await user.GetAsync("/api/admin/decisions");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("ADMIN_REQUIRED", (await GatewayRequests.ErrorAsync(forbidden)).Code);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/decisions")).StatusCode);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=ten")]
    [InlineData("outcome=denied")]
    [InlineData("key=a&key=b")]
    public async Task Decisions_BadQuery_400InvalidQuery(string query)
    {
        await using var gateway = LoopbackGateway.Start(AdminSettings(hosts));
        using var admin = gateway.Client(AdminKey);

        using var response = await admin.GetAsync("/api/admin/decisions?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_QUERY", (await GatewayRequests.ErrorAsync(response)).Code);
    }

    [Fact]
    public async Task Decisions_TwoReplicasOneRedis_EachSeesTheOthersEventsFromOneCappedStream()
    {
        hosts.CivitAi.AddDownload(8104, "shared-8104.safetensors", SafeTensors(20_000, seed: 84));
        var settings = AdminSettings(hosts, redis.ConnectionString);
        settings["Decisions:MaxEvents"] = "100";
        await using var first = LoopbackGateway.Start(settings);
        await using var second = LoopbackGateway.Start(settings);
        using var user = first.Client(TestKeys.Strict);
        using var admin = second.Client(AdminKey);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await user.GetAsync(GatewayRequests.MetadataPath(CivitAiUrl(8104)))).StatusCode);
        }
        var events = await WaitForAsync(admin, "/api/admin/decisions?key=strict-team&outcome=allowed", count: 3);

        Assert.Equal(["MISS", "HIT", "HIT"], events.Select(e => e.GetProperty("cache_status").GetString()).Reverse());
        using var raw = await admin.GetAsync("/api/admin/decisions?limit=1");
        using var body = JsonDocument.Parse(await raw.Content.ReadAsStringAsync());
        Assert.Equal("shared", body.RootElement.GetProperty("scope").GetString());
        // The stream stays bounded: 300 more events leave it near Decisions:MaxEvents (Redis trims in whole nodes).
        for (var i = 0; i < 300; i++)
        {
            await user.GetAsync("/api/assets/download?url=not-a-url");
        }
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var length = 0L;
        for (var attempt = 0; attempt < 50 && (length = await connection.GetDatabase().StreamLengthAsync("model-gateway-decisions")) < 100; attempt++)
        {
            await Task.Delay(100);
        }
        Assert.InRange(length, 100, 200);
    }

    [Fact]
    public async Task OpenApi_Decisions_AdminTagQueryParametersAndCodes()
    {
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(apiKey: null);

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var operation = document.RootElement.GetProperty("paths").GetProperty("/api/admin/decisions").GetProperty("get");
        Assert.Equal(["admin"], operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([("key", false), ("outcome", false), ("limit", false)],
            operation.GetProperty("parameters").EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.TryGetProperty("required", out var r) && r.GetBoolean())));
        var responses = operation.GetProperty("responses");
        Assert.Equal(["200", "400", "401", "403", "429"], responses.EnumerateObject().Select(r => r.Name));
        Assert.Equal("The key has no Role: Admin: ADMIN_REQUIRED.", responses.GetProperty("403").GetProperty("description").GetString());
    }

    private static async Task<List<JsonElement>> EventsAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. body.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone())];
    }

    // The writer appends to Redis in the background, just after the answer.
    private static async Task<List<JsonElement>> WaitForAsync(HttpClient client, string path, int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var events = await EventsAsync(client, path);
            if (events.Count >= count)
            {
                return events;
            }
            await Task.Delay(100);
        }
        return await EventsAsync(client, path);
    }
}
