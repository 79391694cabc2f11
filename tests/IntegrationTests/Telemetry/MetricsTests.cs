using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Testing;
using static ModelGateway.IntegrationTests.Infrastructure.GatewayRequests;

namespace ModelGateway.IntegrationTests.Telemetry;

/// <summary>
/// <c>/metrics</c> of the real gateway counts what just happened: metadata answers by source, outcome and cache
/// status, verdict codes, probe durations, a 429 by key name, a 401 — exact series and values, scraped without a key.
/// </summary>
[Collection(ExactMetrics.Name)]
public sealed class MetricsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Metrics_AfterAnswersAVerdictA422AndA429_ExactSeriesCounted()
    {
        var safetensors = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Counted LoRA"));
        await using var host = await FakeHost.StartAsync((app, _) =>
        {
            app.MapMethods("/files/good.safetensors", ["GET", "HEAD"], () => Results.Bytes(safetensors, "application/octet-stream", enableRangeProcessing: true));
            app.MapMethods("/files/pickle.safetensors", ["GET", "HEAD"], () => Results.Bytes(ModelFiles.TorchZip(), "application/octet-stream", enableRangeProcessing: true));
        });
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["ApiKeys:0:PermitLimit"] = "4" });
        using var client = gateway.CreateClient(TestKeys.Default);
        using var anonymous = gateway.CreateClient(apiKey: null);

        var statuses = new List<HttpStatusCode>();
        foreach (var file in new[] { "good.safetensors", "good.safetensors", "pickle.safetensors", "missing.safetensors", "good.safetensors" })
        {
            using var response = await client.GetAsync(MetadataPath(host.Url("files/" + file)));
            statuses.Add(response.StatusCode);
        }
        using (var unauthenticated = await anonymous.GetAsync(MetadataPath(host.Url("files/good.safetensors"))))
        {
            statuses.Add(unauthenticated.StatusCode);
        }
        using var scrape = await anonymous.GetAsync("/metrics");

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity, HttpStatusCode.TooManyRequests, HttpStatusCode.Unauthorized],
            statuses);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        var samples = PrometheusText.Parse(await scrape.Content.ReadAsStringAsync());
        var answers = Series(samples, "modelgateway_metadata_answers_total");
        Assert.Equal(
            [
                "source=http outcome=RESOURCE_NOT_FOUND cache_status=MISS status_code=422 = 1",
                "source=http outcome=invalid cache_status=MISS status_code=200 = 1",
                "source=http outcome=valid cache_status=HIT status_code=200 = 1",
                "source=http outcome=valid cache_status=MISS status_code=200 = 1",
            ],
            answers.Select(s => Describe(s, "source", "outcome", "cache_status", "status_code")).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["code=FORMAT_MISMATCH kind=warning = 1", "code=FORMAT_NOT_ALLOWED kind=error = 1"],
            Series(samples, "modelgateway_verdicts_total").Select(s => Describe(s, "code", "kind")).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["key=default-team reason=limited = 1"],
            Series(samples, "modelgateway_ratelimit_refusals_total").Select(s => Describe(s, "key", "reason")));
        Assert.Equal(["reason=missing_key = 1"], Series(samples, "modelgateway_auth_failures_total").Select(s => Describe(s, "reason")));
        // Three probes (the HIT asked nothing): two answered, one found nothing.
        Assert.Equal(
            ["source=http outcome=RESOURCE_NOT_FOUND = 1", "source=http outcome=ok = 2"],
            Series(samples, "modelgateway_probe_duration_seconds_count").Select(s => Describe(s, "source", "outcome")).Order(StringComparer.Ordinal));
        // ASP.NET Core's own meter sees the same answers by route.
        Assert.Equal(1, Single(samples, "http_server_request_duration_seconds_count",
            ("http_route", "/api/assets/remote-metadata"), ("http_response_status_code", "429")).Value);
        // Without Redis there is no Redis state to report.
        Assert.Empty(Series(samples, "modelgateway_redis_available"));
    }

    [Fact]
    public async Task Metrics_ProbesOfUserUrls_NoHostOrAddressInAnyLabel()
    {
        var safetensors = ModelFiles.SafeTensors(ModelFiles.LoraMetadata("Unlabelled LoRA"));
        await using var host = await FakeHost.StartAsync((app, _) =>
            app.MapMethods("/files/model.safetensors", ["GET", "HEAD"], () => Results.Bytes(safetensors, "application/octet-stream", enableRangeProcessing: true)));
        await using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(TestKeys.Default);
        using (var answered = await client.GetAsync(MetadataPath(host.Url("files/model.safetensors"))))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        using var scrape = await client.GetAsync("/metrics");
        var samples = PrometheusText.Parse(await scrape.Content.ReadAsStringAsync());

        // The probe's own HTTP client request is measured (one ranged GET), without the user URL's host.
        Assert.Equal(1, Series(samples, "http_client_request_duration_seconds_count").Sum(s => s.Value));
        // Kestrel's series name the addresses servers listen on (the fake host's too, in this process): bounded.
        var aboutRequests = samples.Where(s => !s.Name.StartsWith("kestrel_", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(aboutRequests, s => s.Labels.Keys.Any(k => k is "server_address" or "server_port" or "network_peer_address" or "url_full"));
        Assert.DoesNotContain(aboutRequests, s => s.Labels.Values.Any(v => v.Contains("127.0.0.1", StringComparison.Ordinal)
            || v.Contains(host.BaseUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Metrics_RedisConfigured_AvailabilityGaugeIsOne()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString });
        using var client = gateway.CreateClient(apiKey: null);
        using (var ready = await client.GetAsync("/healthz/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var scrape = await client.GetAsync("/metrics");

        Assert.Equal(1, Assert.Single(Series(PrometheusText.Parse(await scrape.Content.ReadAsStringAsync()), "modelgateway_redis_available")).Value);
    }

    private static List<PrometheusSample> Series(IEnumerable<PrometheusSample> samples, string name) =>
        samples.Where(s => s.Name == name).ToList();

    private static PrometheusSample Single(IEnumerable<PrometheusSample> samples, string name, params (string, string)[] labels) =>
        Assert.Single(samples, s => s.Name == name && s.Has(labels));

    private static string Describe(PrometheusSample sample, params string[] labels) =>
        string.Join(' ', labels.Select(l => $"{l}={sample.Labels.GetValueOrDefault(l)}")) + $" = {sample.Value}";
}
