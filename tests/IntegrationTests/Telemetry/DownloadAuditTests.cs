using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.Telemetry;

/// <summary>
/// Every download request ends in one audit event of the real gateway — refused before any byte, or started and then
/// completed or aborted — with the key's name, the route, the source, the host, the bytes and the codes.
/// </summary>
public sealed class DownloadAuditTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    private const string AuditCategory = "ModelGateway.Audit";

    [Fact]
    public async Task Download_AllowedRefusedTamperedAndBadUrl_OneAuditTrailEach()
    {
        var good = SafeTensors(200_000, seed: 91);
        var tampered = SafeTensors(200_000, seed: 92);
        hosts.CivitAi.AddDownload(7901, "audited-7901.safetensors", good);
        hosts.CivitAi.AddDownload(7902, "old-7902.ckpt", PickleOfLength(50_000), format: "PickleTensor");
        hosts.CivitAi.AddDownload(7903, "tampered-7903.safetensors", tampered, publishedSha256: Sha256(WithLastByteChanged(tampered)));
        var logs = new FakeLogCollector();
        await using var gateway = LoopbackGateway.Start(hosts.Settings(), new FakeLoggerProvider(logs));
        using var client = gateway.Client(TestKeys.Default);

        using (var allowed = await client.GetAsync(DownloadPath(CivitAiUrl(7901))))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(good.Length, (await allowed.Content.ReadAsByteArrayAsync()).Length);
        }
        using (var refused = await client.GetAsync(DownloadPath(CivitAiUrl(7902))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var aborted = await client.GetAsync(DownloadPath(CivitAiUrl(7903)), HttpCompletionOption.ResponseHeadersRead))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => aborted.Content.ReadAsByteArrayAsync());
        }
        using (var badUrl = await client.GetAsync("/api/assets/download?url=not-a-url"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);
        }

        var audit = await WaitForAsync(logs, count: 6);
        Assert.Equal(["DownloadStarted", "DownloadCompleted", "DownloadRefused", "DownloadStarted", "DownloadAborted", "DownloadRefused"],
            audit.Select(r => r.Id.Name));

        var started = Fields(audit[0]);
        Assert.Equal(("default-team", "/api/assets/download", "civitai", "civitai.com", good.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (started["KeyName"], started["Route"], started["Source"], started["Host"], started["ExpectedBytes"]));
        var completed = Fields(audit[1]);
        Assert.Equal(("200", good.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), (completed["StatusCode"], completed["Bytes"]));
        Assert.Matches("^[0-9a-f]{32}$", completed["TraceId"]);

        var refusedEvent = Fields(audit[2]);
        Assert.Equal(("403", "FORMAT_NOT_ALLOWED", "civitai"), (refusedEvent["StatusCode"], refusedEvent["Code"], refusedEvent["Source"]));

        var abortedEvent = Fields(audit[4]);
        Assert.Equal(LogLevel.Warning, audit[4].Level);
        Assert.Equal("integrity_mismatch", abortedEvent["Reason"]);
        Assert.True(long.Parse(abortedEvent["Bytes"]!, System.Globalization.CultureInfo.InvariantCulture) < tampered.Length);

        var badUrlEvent = Fields(audit[5]);
        Assert.Equal(("400", "INVALID_URL_FORMAT", "-"), (badUrlEvent["StatusCode"], badUrlEvent["Code"], badUrlEvent["Host"]));
    }

    [Fact]
    public async Task Download_HostStallsJustAfterTheHead_Refused422NeverStarted()
    {
        // The head is checked and held back until the next bytes arrive; they never do, so nothing of the file went to
        // the client: it gets a 422 answer, and the audit says refused, not started and aborted.
        var file = SafeTensors(400_000, seed: 93);
        hosts.CivitAi.AddDownload(7904, "stall-7904.safetensors", file);
        hosts.CivitAi.HandleObject(7904, StreamIntegrityTests.Stalling(file, sendBeforeStall: ModelGateway.Sniffing.ContentSniffer.HeadBytes, hostSawAbort: null));
        var logs = new FakeLogCollector();
        await using var gateway = LoopbackGateway.Start(hosts.Settings(), new FakeLoggerProvider(logs));
        using var client = gateway.Client(TestKeys.Default);

        using var response = await client.GetAsync(DownloadPath(CivitAiUrl(7904)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var audit = await WaitForAsync(logs, 1);
        Assert.Equal(["DownloadRefused"], audit.Select(r => r.Id.Name));
        var refused = Fields(audit[0]);
        Assert.Equal(("422", "NETWORK_TIMEOUT"), (refused["StatusCode"], refused["Code"]));
    }

    private static async Task<List<FakeLogRecord>> WaitForAsync(FakeLogCollector logs, int count)
    {
        // An aborted transfer's event is written once the server has noticed the abort, just after the client saw it.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var audit = Downloads(logs);
            if (audit.Count >= count)
            {
                return audit;
            }
            await Task.Delay(100);
        }
        return Downloads(logs);
    }

    private static List<FakeLogRecord> Downloads(FakeLogCollector logs) =>
        [.. logs.GetSnapshot().Where(r => r.Category == AuditCategory && r.Id.Name?.StartsWith("Download", StringComparison.Ordinal) == true)];

    private static Dictionary<string, string?> Fields(FakeLogRecord record) =>
        record.StructuredState!.ToDictionary(s => s.Key, s => s.Value);
}
