using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelGateway.IntegrationTests.Downloads;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.IntegrationTests.Sources.CivitAi;
using ModelGateway.Testing;
using Npgsql;
using Xunit.Abstractions;
using static ModelGateway.IntegrationTests.AssetLibrary.FrontendCalls;

namespace ModelGateway.IntegrationTests.AssetLibrary;

/// <summary>
/// Two gateway replicas — real processes — sharing one PostgreSQL and one library directory: a task started on one is
/// read on the other, and killing the replica that runs it hands the task to the other within the documented bound
/// (<c>Library:TaskLeaseSeconds</c> × 4/3), which finishes it; it never stays "running".
/// </summary>
[Collection(AssetLibraryTests.Name)]
public sealed class ReplicaTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int LeaseSeconds = 3;
    private readonly DownloadHosts _hosts = new();
    private readonly string _library = Directory.CreateTempSubdirectory("gateway-replicas-").FullName;

    public Task InitializeAsync() => _hosts.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _hosts.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(_library, recursive: true);
    }

    [Fact]
    public async Task KilledReplica_ItsTaskIsReadOnTheOtherAndTakenOverWithinTheLease()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var file = LibraryHosts.LoraWithThumbnail(200_000, 201);
        _hosts.CivitAi.AddDownload(8201, "replica-8201.safetensors", file);
        // The first whole-file GET drips (1 KiB every 200 ms: never idle, far from done); the ones after it are served at once.
        var firstBody = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wholeGets = 0;
        _hosts.CivitAi.HandleObject(8201, async context =>
        {
            if (context.Request.Headers.Range.Count > 0 || Interlocked.Increment(ref wholeGets) > 1)
            {
                await FakeCivitAi.ObjectResult(file).ExecuteAsync(context);
                return;
            }
            context.Response.ContentLength = file.Length;
            context.Response.ContentType = "application/octet-stream";
            try
            {
                for (var offset = 0; offset < file.Length; offset += 1024)
                {
                    await context.Response.Body.WriteAsync(file.AsMemory(offset, Math.Min(1024, file.Length - offset)), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    firstBody.TrySetResult();
                    await Task.Delay(200, context.RequestAborted);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // the replica reading it was killed
            }
        });
        var environment = Environment(connectionString);
        var a = await GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, environment);
        await using var b = await GatewayProcess.StartAsync(GatewayFactory.RepositoryRoot, environment);
        var aRunning = true;
        try
        {
            using var onA = Client(a);
            using var onB = Client(b);

            var (status, body) = await PostJsonAsync(onA, "/api/assets/download", new JsonObject
            {
                ["source_url"] = "https://civitai.com/api/download/models/8201",
                ["tags"] = new JsonArray("models", "loras"),
                ["user_metadata"] = new JsonObject { ["source"] = "civitai" },
            });
            Assert.Equal(HttpStatusCode.Accepted, status);
            var taskId = JsonDocument.Parse(body).RootElement.GetProperty("task_id").GetString()!;
            await firstBody.Task.WaitAsync(TimeSpan.FromSeconds(20));

            // Read on the other replica: running, with the same fields.
            var (readStatus, readBody) = await GetAsync(onB, "/api/tasks/" + taskId);
            Assert.Equal(HttpStatusCode.OK, readStatus);
            var running = ComfySchemas.AssertValid(ComfySchemas.Task, readBody);
            Assert.Equal("running", running.GetProperty("status").GetString());
            Assert.Equal(taskId, running.GetProperty("id").GetString());
            // The same key and URL on the other replica while it runs: the same task.
            var (sameStatus, sameBody) = await PostJsonAsync(onB, "/api/assets/download", new JsonObject
            {
                ["source_url"] = "https://civitai.com/api/download/models/8201",
                ["tags"] = new JsonArray("models", "loras"),
            });
            Assert.Equal(HttpStatusCode.Accepted, sameStatus);
            Assert.Equal(taskId, JsonDocument.Parse(sameBody).RootElement.GetProperty("task_id").GetString());

            aRunning = false;
            await a.DisposeAsync(); // killed, mid-download
            var killed = Stopwatch.StartNew();

            var task = await PollTaskAsync(onB, taskId, TimeSpan.FromSeconds(LeaseSeconds * 4.0 / 3 + 15));
            var took = killed.Elapsed;
            output.WriteLine($"Taken over and completed {took.TotalSeconds:0.00} s after the kill (bound {LeaseSeconds * 4.0 / 3:0.00} s + the download).");
            Assert.Equal("completed", task.GetProperty("status").GetString());
            Assert.Equal("sha256:" + Sha256(file), task.GetProperty("result").GetProperty("hash").GetString());
            // The documented bound (lease × 4/3 = 4 s) plus the second download and the poll's step.
            Assert.True(took < TimeSpan.FromSeconds(LeaseSeconds * 4.0 / 3 + 4), $"Taken over and finished {took} after the kill.");
            Assert.Equal(2, Volatile.Read(ref wholeGets));
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var attempts = new NpgsqlCommand("SELECT attempts FROM tasks WHERE id = @id", connection);
            attempts.Parameters.AddWithValue("id", taskId);
            Assert.Equal(2L, (long)(await attempts.ExecuteScalarAsync())!);

            // The asset is in the shared library, listed and served by the surviving replica.
            var (listStatus, listBody) = await GetAsync(onB, "/api/assets?include_tags=models,loras&limit=500");
            Assert.Equal(HttpStatusCode.OK, listStatus);
            var asset = Assert.Single(ComfySchemas.AssertValid(ComfySchemas.ListAssets, listBody).GetProperty("assets").EnumerateArray());
            Assert.Equal(task.GetProperty("result").GetProperty("asset_id").GetString(), asset.GetProperty("id").GetString());
            using var content = await onB.GetAsync($"/api/assets/{asset.GetProperty("id").GetString()}/content");
            Assert.Equal(Sha256(file), Sha256(await content.Content.ReadAsByteArrayAsync()));
        }
        finally
        {
            if (aRunning)
            {
                await a.DisposeAsync();
            }
        }
    }

    private static HttpClient Client(GatewayProcess replica)
    {
        var client = new HttpClient { BaseAddress = replica.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-API-Key", TestKeys.Default);
        return client;
    }

    private Dictionary<string, string> Environment(string connectionString)
    {
        var settings = GatewayFactory.DefaultSettings();
        foreach (var (key, value) in _hosts.Settings())
        {
            settings[key] = value;
        }
        settings["ConnectionStrings:Assets"] = connectionString;
        settings["Library:Path"] = _library;
        settings["Library:TaskLeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Downloads:IdleTimeoutSeconds"] = "10";
        var environment = settings.Where(s => s.Value is not null).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        return environment;
    }
}
