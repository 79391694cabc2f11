using System.Text.Json.Nodes;
using ModelGateway.AssetLibrary;
using ModelGateway.IntegrationTests.Infrastructure;
using ModelGateway.Policies;

namespace ModelGateway.IntegrationTests.AssetLibrary;

/// <summary>The records' data layer on a real SQLite file and a real PostgreSQL server, with the same assertions.</summary>
[Collection(AssetLibraryTests.Name)]
public sealed class AssetRecordsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-assets-").FullName;
    private readonly List<AssetDatabase> _databases = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Migration_RunsOnce_WhenReplicasStartTogether(string kind)
    {
        var connection = await ConnectionStringAsync(kind);
        var replicas = Enumerable.Range(0, 4).Select(_ => Database(connection)).ToArray();
        await Task.WhenAll(replicas.Select(r => r.MigrateAsync(CancellationToken.None)));
        await using var opened = await replicas[0].OpenAsync(CancellationToken.None);
        Assert.Equal(AssetSchema.Migrations.Length, await AssetSchema.VersionAsync(opened));
        using var command = opened.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM asset_schema";
        Assert.Equal(AssetSchema.Migrations.Length, Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(kind == "sqlite" ? AssetDatabaseKind.Sqlite : AssetDatabaseKind.PostgreSql, replicas[0].Kind);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Asset_RoundTrips_AndItsBlobGoesWithTheLastReference(string kind)
    {
        var assets = new AssetRepository(Database(await ConnectionStringAsync(kind)));
        var facts = new AssetFacts { Format = ModelFormat.SafeTensor, ContentLength = 1234, Sha256 = Sha('a'), Hosts = ["huggingface.co"], PreviewImage = "data:x" };
        var blob = await assets.AddBlobAsync(new BlobRecord(Sha('a'), 1234, "application/octet-stream", BlobKinds.File, facts, "team-a", T0), default);
        var again = await assets.AddBlobAsync(blob with { CreatedBy = "team-b", Size = 1 }, default);
        Assert.Equal("team-a", again.CreatedBy); // the first import's record stays
        Assert.Equal(1234, again.Size);
        Assert.Equal(ModelFormat.SafeTensor, again.Facts.Format);
        Assert.Equal(["huggingface.co"], again.Facts.Hosts);
        Assert.Null(again.Facts.PreviewImage);

        var first = Asset(blob, "model.safetensors", ["models", "loras"], T0);
        var second = Asset(blob, "copy.safetensors", ["models", "checkpoints"], T0.AddMinutes(1)) with { CreatedBy = "team-b" };
        await assets.AddAssetAsync(first, default);
        await assets.AddAssetAsync(second, default);

        var found = await assets.FindAsync(first.Id, default);
        Assert.NotNull(found);
        Assert.Equal("model.safetensors", found.Name);
        Assert.Equal(["loras", "models"], found.Tags);
        Assert.Equal("civitai", found.UserMetadata["source"]!.GetValue<string>());
        Assert.Equal(T0, found.CreatedAt);
        Assert.Equal("team-a", found.CreatedBy);
        Assert.Equal(1234, found.Blob.Size);
        Assert.Null(await assets.FindAsync(Guid.NewGuid(), default));

        Assert.True(await assets.UpdateAsync(first.Id, new AssetChanges("renamed.safetensors", ["models", "vae"], null, null, false,
            new JsonObject { ["k"] = 1 }), T0.AddHours(1), default));
        var updated = await assets.FindAsync(first.Id, default);
        Assert.Equal("renamed.safetensors", updated!.Name);
        Assert.Equal(["models", "vae"], updated.Tags);
        Assert.Equal(1, updated.UserMetadata["k"]!.GetValue<int>());
        Assert.Equal(T0.AddHours(1), updated.UpdatedAt);
        Assert.False(await assets.UpdateAsync(Guid.NewGuid(), new AssetChanges("x", null, null, null, false, null), T0, default));

        Assert.Equal((Sha('a'), false), await assets.DeleteAsync(first.Id, default));
        Assert.True(await assets.IsReferencedAsync(Sha('a'), default));
        Assert.NotNull(await assets.FindBlobAsync(Sha('a'), default));
        Assert.Equal((Sha('a'), true), await assets.DeleteAsync(second.Id, default));
        Assert.False(await assets.IsReferencedAsync(Sha('a'), default));
        Assert.Null(await assets.FindBlobAsync(Sha('a'), default));
        Assert.Null(await assets.DeleteAsync(second.Id, default));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Query_FiltersAllOfAnyOfAndName_AndSortsWithTies(string kind)
    {
        var assets = new AssetRepository(Database(await ConnectionStringAsync(kind)));
        var small = await assets.AddBlobAsync(new BlobRecord(Sha('1'), 10, null, BlobKinds.File, new AssetFacts(), "t", T0), default);
        var large = await assets.AddBlobAsync(new BlobRecord(Sha('2'), 20, null, BlobKinds.File, new AssetFacts(), "t", T0), default);
        await assets.AddAssetAsync(Asset(small, "b_Lora%", ["models", "loras"], T0.AddSeconds(3)), default);
        await assets.AddAssetAsync(Asset(large, "a-checkpoint", ["models", "checkpoints"], T0.AddSeconds(1)), default);
        await assets.AddAssetAsync(Asset(large, "C-lora", ["models", "loras", "nsfw"], T0.AddSeconds(2)), default);
        await assets.AddAssetAsync(Asset(small, "preview.png", ["preview"], T0), default);

        async Task<string[]> Names(AssetQuery query) => [.. (await assets.QueryAsync(query, default)).Select(a => a.Name)];
        Assert.Equal(["b_Lora%", "C-lora"], await Names(new(["models", "loras"], [], null, AssetSort.CreatedAt, true)));
        Assert.Equal(["b_Lora%"], await Names(new(["models", "loras"], ["nsfw", "other"], null, AssetSort.CreatedAt, true)));
        Assert.Equal(["C-lora", "a-checkpoint", "b_Lora%", "preview.png"], await Names(new([], [], null, AssetSort.Name, false)));
        Assert.Equal(["b_Lora%", "C-lora"], await Names(new([], [], "LORA", AssetSort.Name, true)));
        Assert.Equal(["b_Lora%"], await Names(new([], [], "a%", AssetSort.Name, false))); // % is a character, not a wildcard
        Assert.Equal(["b_Lora%"], await Names(new([], [], "_", AssetSort.Name, false)));
        // Size ties are broken by id in the same direction: every order is total.
        var bySize = await assets.QueryAsync(new([], [], null, AssetSort.Size, false), default);
        Assert.Equal([10, 10, 20, 20], bySize.Select(a => a.Blob.Size));
        Assert.True(string.CompareOrdinal(bySize[0].Id.ToString(), bySize[1].Id.ToString()) < 0);
        Assert.Equal(["preview.png", "a-checkpoint", "C-lora", "b_Lora%"], await Names(new([], [], null, AssetSort.CreatedAt, false)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Tasks_OneActivePerKeyAndUrl_AndOneReplicaClaimsAnAbandonedOne(string kind)
    {
        var connection = await ConnectionStringAsync(kind);
        var tasks = new TaskRepository(Database(connection));
        var other = new TaskRepository(Database(connection));
        var task = NewTask("team-a", "key-1", "replica-a", T0.AddSeconds(30));
        var (created, isNew) = await tasks.AddOrFindActiveAsync(task, default);
        Assert.True(isNew);
        Assert.Equal(TaskStatuses.Created, created.Status);
        Assert.Equal(1, created.Attempts);
        var (same, isNewAgain) = await other.AddOrFindActiveAsync(NewTask("team-a", "key-1", "replica-b", T0.AddSeconds(30)), default);
        Assert.False(isNewAgain);
        Assert.Equal(task.Id, same.Id);
        var (anotherKey, _) = await other.AddOrFindActiveAsync(NewTask("team-b", "key-1", "replica-b", T0.AddSeconds(30)), default);
        Assert.NotEqual(task.Id, anotherKey.Id);

        Assert.True(await tasks.MarkRunningAsync(task.Id, "replica-a", T0.AddSeconds(1), default));
        Assert.True(await tasks.RenewAsync(task.Id, "replica-a", T0.AddSeconds(40), 1000, T0.AddSeconds(10), default));
        Assert.False(await tasks.RenewAsync(task.Id, "replica-b", T0.AddSeconds(40), 1000, T0.AddSeconds(10), default));
        Assert.DoesNotContain(task.Id, await tasks.FindAbandonedAsync(T0.AddSeconds(39), default));

        // replica-a dies: its lease runs out at T0+40 s; two replicas sweep at once and exactly one takes it over.
        Assert.Contains(task.Id, await tasks.FindAbandonedAsync(T0.AddSeconds(41), default));
        var claims = await Task.WhenAll(
            tasks.ClaimAbandonedAsync(task.Id, "replica-b", T0.AddSeconds(71), T0.AddSeconds(41), default),
            other.ClaimAbandonedAsync(task.Id, "replica-c", T0.AddSeconds(71), T0.AddSeconds(41), default));
        var claimed = Assert.Single(claims, c => c is not null)!;
        Assert.Equal(2, claimed.Attempts);
        Assert.Equal(TaskStatuses.Running, claimed.Status);
        Assert.Equal(T0.AddSeconds(1), claimed.StartedAt);
        Assert.Equal(1000, claimed.BytesDownloaded);
        Assert.False(await tasks.RenewAsync(task.Id, "replica-a", T0.AddSeconds(80), 1, T0.AddSeconds(42), default));

        var result = new TaskResult { Success = true, BytesDownloaded = 2048, Hash = "sha256:" + Sha('f'), AssetId = Guid.Empty.ToString() };
        Assert.False(await tasks.FinishAsync(task.Id, "replica-a", TaskStatuses.Completed, result, null, T0.AddSeconds(50), default));
        Assert.True(await tasks.FinishAsync(task.Id, claimed.LeaseOwner!, TaskStatuses.Completed, result, null, T0.AddSeconds(50), default));
        var finished = await tasks.FindAsync(task.Id, default);
        Assert.Equal(TaskStatuses.Completed, finished!.Status);
        Assert.Equal(T0.AddSeconds(50), finished.CompletedAt);
        Assert.Equal(2048, finished.Result!.BytesDownloaded);
        Assert.Equal(2048, finished.BytesDownloaded);
        Assert.Equal("sha256:" + Sha('f'), finished.Result.Hash);
        Assert.Equal("https://civitai.com/api/download/models/1", finished.Payload["source_url"]!.GetValue<string>());

        // Finished, the key is free again; a cancelled task stays cancelled.
        var (next, nextIsNew) = await tasks.AddOrFindActiveAsync(NewTask("team-a", "key-1", "replica-a", T0.AddSeconds(90)), default);
        Assert.True(nextIsNew);
        var cancelled = await other.CancelAsync(next.Id, T0.AddSeconds(91), default);
        Assert.Equal(TaskStatuses.Cancelled, cancelled!.Status);
        Assert.False(await tasks.MarkRunningAsync(next.Id, "replica-a", T0.AddSeconds(92), default));
        Assert.Equal(TaskStatuses.Cancelled, (await other.CancelAsync(next.Id, T0.AddSeconds(93), default))!.Status);
        Assert.Null(await tasks.CancelAsync(Guid.NewGuid(), T0, default));
    }

    private static TaskRecord NewTask(string owner, string key, string replica, DateTimeOffset leaseExpires) => new()
    {
        Id = Guid.NewGuid(),
        IdempotencyKey = key,
        Owner = owner,
        SourceUrl = "https://civitai.com/api/download/models/1?token=secret",
        Payload = new JsonObject { ["source_url"] = "https://civitai.com/api/download/models/1" },
        Status = TaskStatuses.Created,
        CreateTime = T0,
        UpdateTime = T0,
        LeaseOwner = replica,
        LeaseExpires = leaseExpires,
    };

    private static AssetRecord Asset(BlobRecord blob, string name, string[] tags, DateTimeOffset at) => new()
    {
        Id = Guid.NewGuid(),
        Blob = blob,
        Name = name,
        Tags = tags,
        UserMetadata = new JsonObject { ["source"] = "civitai" },
        CreatedBy = "team-a",
        CreatedAt = at,
        UpdatedAt = at,
        LastAccessTime = at,
    };

    private static string Sha(char c) => new(c, 64);

    private AssetDatabase Database(string? postgresConnection)
    {
        var database = new AssetDatabase(postgresConnection, _directory);
        _databases.Add(database);
        return database;
    }

    private async Task<string?> ConnectionStringAsync(string kind) => kind == "postgres" ? await postgres.CreateDatabaseAsync() : null;
}
