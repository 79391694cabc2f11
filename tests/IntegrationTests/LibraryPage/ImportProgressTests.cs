using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using static ModelGateway.IntegrationTests.Downloads.DownloadHosts;

namespace ModelGateway.IntegrationTests.LibraryPage;

/// <summary><c>GET /api/tasks/{id}/progress</c> on the real gateway: the caller's import task only, all its bytes once done.</summary>
public sealed class ImportProgressTests(DownloadHosts hosts) : IClassFixture<DownloadHosts>
{
    [Fact]
    public async Task Progress_OwnTaskToCompletion_AllBytes_OtherKeysAndBadIds404()
    {
        var lora = SafeTensors(400_000, seed: 86);
        hosts.CivitAi.AddDownload(8601, "progress-8601.safetensors", lora);
        await using var gateway = LoopbackGateway.Start(hosts.Settings());
        using var owner = gateway.Client(TestKeys.Default);
        using var other = gateway.Client(TestKeys.Strict);

        using var started = await owner.PostAsJsonAsync("/api/assets/download",
            new { source_url = CivitAiUrl(8601), tags = new[] { "models", "loras" } });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var taskId = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("task_id").GetString()!;

        using var foreign = await other.GetAsync($"/api/tasks/{taskId}/progress");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("NOT_FOUND", (await GatewayRequests.ErrorAsync(foreign)).Code);
        using var bad = await owner.GetAsync("/api/tasks/not-a-uuid/progress");
        Assert.Equal(HttpStatusCode.NotFound, bad.StatusCode);

        JsonElement progress = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            progress = JsonDocument.Parse(await owner.GetStringAsync($"/api/tasks/{taskId}/progress")).RootElement;
            if (progress.GetProperty("status").GetString() is "completed" or "failed")
            {
                break;
            }
            Assert.InRange(progress.GetProperty("bytes_downloaded").GetInt64(), 0, lora.Length);
            await Task.Delay(100);
        }
        Assert.Equal((taskId, "completed", (long)lora.Length), (progress.GetProperty("id").GetString(), progress.GetProperty("status").GetString(),
            progress.GetProperty("bytes_downloaded").GetInt64()));
        Assert.Equal("sha256:" + Sha256(lora), progress.GetProperty("result").GetProperty("hash").GetString());
    }
}
