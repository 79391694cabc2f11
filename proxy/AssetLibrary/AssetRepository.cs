using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;

namespace ModelGateway.AssetLibrary;

/// <summary>How a listing is sorted: Cloud's <c>sort</c> values.</summary>
internal enum AssetSort
{
    CreatedAt,
    UpdatedAt,
    Name,
    Size,
    LastAccessTime,
}

/// <summary>The database filters of a listing (the caller's policy is applied after them, in <see cref="AssetLibrary"/>).</summary>
internal sealed record AssetQuery(IReadOnlyList<string> IncludeTags, IReadOnlyList<string> ExcludeTags, string? NameContains,
    AssetSort Sort, bool Descending);

/// <summary>The fields an update sets; null leaves one as it is.</summary>
internal sealed record AssetChanges(string? Name, IReadOnlyList<string>? Tags, string? MimeType, Guid? PreviewId, bool ClearPreview,
    JsonObject? UserMetadata);

/// <summary>The asset records: blobs, references and tags, with the same SQL on SQLite and PostgreSQL (Dapper).</summary>
internal sealed partial class AssetRepository(AssetDatabase database)
{
    private const string AssetColumns = """
        a.id AS Id, a.sha256 AS Sha256, a.name AS Name, a.mime_type AS MimeType, a.user_metadata AS UserMetadata,
        a.preview_id AS PreviewId, a.source_url AS SourceUrl, a.created_by AS CreatedBy, a.created_at AS CreatedAt,
        a.updated_at AS UpdatedAt, a.last_access_time AS LastAccessTime,
        b.size AS Size, b.mime_type AS BlobMimeType, b.kind AS Kind, b.facts AS Facts, b.created_by AS BlobCreatedBy,
        b.created_at AS BlobCreatedAt
        """;

    public AssetDatabaseKind Kind => database.Kind;

    public async Task<BlobRecord?> FindBlobAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<BlobRow>(new CommandDefinition("""
            SELECT sha256 AS Sha256, size AS Size, mime_type AS MimeType, kind AS Kind, facts AS Facts, created_by AS CreatedBy,
                   created_at AS CreatedAt
            FROM blobs WHERE sha256 = @sha256
            """, new { sha256 }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    /// <summary>Records a blob unless it is recorded already (the first import's facts stay); the record as it is now.</summary>
    public async Task<BlobRecord> AddBlobAsync(BlobRecord blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO blobs (sha256, size, mime_type, kind, facts, created_by, created_at)
                VALUES (@Sha256, @Size, @MimeType, @Kind, @Facts, @CreatedBy, @CreatedAt)
                ON CONFLICT (sha256) DO NOTHING
                """, new
            {
                blob.Sha256,
                blob.Size,
                blob.MimeType,
                blob.Kind,
                Facts = RecordJson.SerializeFacts(blob.Facts),
                blob.CreatedBy,
                CreatedAt = RecordJson.ToUnix(blob.CreatedAt),
            }, cancellationToken: cancellationToken));
        }
        return await FindBlobAsync(blob.Sha256, cancellationToken) ?? blob;
    }

    /// <summary>Adds a reference (its blob must be recorded) with its tags, in one transaction.</summary>
    public async Task AddAssetAsync(AssetRecord asset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(asset);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO assets (id, sha256, name, mime_type, user_metadata, preview_id, source_url, created_by, created_at, updated_at,
                                last_access_time)
            VALUES (@Id, @Sha256, @Name, @MimeType, @UserMetadata, @PreviewId, @SourceUrl, @CreatedBy, @CreatedAt, @UpdatedAt,
                    @LastAccessTime)
            """, new
        {
            Id = IdText(asset.Id),
            asset.Blob.Sha256,
            asset.Name,
            asset.MimeType,
            UserMetadata = asset.UserMetadata.ToJsonString(),
            PreviewId = asset.PreviewId is { } preview ? IdText(preview) : null,
            asset.SourceUrl,
            asset.CreatedBy,
            CreatedAt = RecordJson.ToUnix(asset.CreatedAt),
            UpdatedAt = RecordJson.ToUnix(asset.UpdatedAt),
            LastAccessTime = RecordJson.ToUnix(asset.LastAccessTime),
        }, transaction, cancellationToken: cancellationToken));
        await InsertTagsAsync(connection, transaction, asset.Id, asset.Tags, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<AssetRecord?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AssetRow>(new CommandDefinition(
            $"SELECT {AssetColumns} FROM assets a JOIN blobs b ON b.sha256 = a.sha256 WHERE a.id = @id",
            new { id = IdText(id) }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }
        var tags = await TagsOfAsync(connection, database, [row.Id], cancellationToken);
        return row.ToRecord(tags.GetValueOrDefault(row.Id, []));
    }

    /// <summary>The reference <paramref name="owner"/> made to the blob under <paramref name="name"/>, if any (the oldest).</summary>
    public async Task<AssetRecord?> FindReferenceAsync(string sha256, string owner, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT id FROM assets WHERE sha256 = @sha256 AND created_by = @owner AND name = @name ORDER BY created_at, id LIMIT 1",
            new { sha256, owner, name }, cancellationToken: cancellationToken));
        return id is null ? null : await FindAsync(Guid.Parse(id), cancellationToken);
    }

    /// <summary>
    /// Every reference matching the database filters, in the listing's order (ties by id), without tags: the caller's
    /// policy is applied to them, then a page is taken and its tags read (<see cref="WithTagsAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<AssetRecord>> QueryAsync(AssetQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new System.Text.StringBuilder($"SELECT {AssetColumns} FROM assets a JOIN blobs b ON b.sha256 = a.sha256 WHERE 1 = 1");
        var parameters = new DynamicParameters();
        if (query.IncludeTags.Count > 0)
        {
            sql.Append($" AND (SELECT COUNT(*) FROM asset_tags t WHERE t.asset_id = a.id AND {database.InList("t.tag", "include")}) = @includeCount");
            parameters.Add("include", query.IncludeTags.ToArray());
            parameters.Add("includeCount", (long)query.IncludeTags.Count);
        }
        if (query.ExcludeTags.Count > 0)
        {
            sql.Append($" AND NOT EXISTS (SELECT 1 FROM asset_tags t WHERE t.asset_id = a.id AND {database.InList("t.tag", "exclude")})");
            parameters.Add("exclude", query.ExcludeTags.ToArray());
        }
        if (!string.IsNullOrEmpty(query.NameContains))
        {
            sql.Append(" AND LOWER(a.name) LIKE @pattern ESCAPE '\\'");
            parameters.Add("pattern", "%" + EscapeLike(query.NameContains.ToLowerInvariant()) + "%");
        }
        var direction = query.Descending ? "DESC" : "ASC";
        var binary = database.Kind == AssetDatabaseKind.PostgreSql ? "COLLATE \"C\"" : "COLLATE BINARY";
        var order = query.Sort switch
        {
            AssetSort.Name => $"a.name {binary} {direction}",
            AssetSort.Size => $"b.size {direction}",
            AssetSort.UpdatedAt => $"a.updated_at {direction}",
            AssetSort.LastAccessTime => $"a.last_access_time {direction}",
            _ => $"a.created_at {direction}",
        };
        sql.Append(" ORDER BY ").Append(order).Append(", a.id ").Append(binary).Append(' ').Append(direction);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AssetRow>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellationToken));
        var facts = new Dictionary<string, Policies.AssetFacts>(StringComparer.Ordinal); // parsed once per blob
        return [.. rows.Select(r => r.ToRecord([], facts))];
    }

    /// <summary>The same records with their tags (one query for all of them).</summary>
    public async Task<IReadOnlyList<AssetRecord>> WithTagsAsync(IReadOnlyList<AssetRecord> assets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assets);
        if (assets.Count == 0)
        {
            return assets;
        }
        await using var connection = await database.OpenAsync(cancellationToken);
        var tags = await TagsOfAsync(connection, database, [.. assets.Select(a => IdText(a.Id))], cancellationToken);
        return [.. assets.Select(a => a with { Tags = tags.GetValueOrDefault(IdText(a.Id), []) })];
    }

    /// <summary>Every (asset, tag) pair, with the asset's blob: the tag counts are taken over what the caller may see.</summary>
    public async Task<IReadOnlyList<(Guid AssetId, string Sha256, string Tag)>> AllTagsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string AssetId, string Sha256, string Tag)>(new CommandDefinition(
            "SELECT t.asset_id, a.sha256, t.tag FROM asset_tags t JOIN assets a ON a.id = t.asset_id",
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => (Guid.Parse(r.AssetId), r.Sha256, r.Tag))];
    }

    /// <summary>Applies <paramref name="changes"/>; false when there is no such asset.</summary>
    public async Task<bool> UpdateAsync(Guid id, AssetChanges changes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE assets SET
                name = COALESCE(@name, name),
                mime_type = COALESCE(@mimeType, mime_type),
                user_metadata = COALESCE(@userMetadata, user_metadata),
                preview_id = CASE WHEN @clearPreview = 1 THEN NULL ELSE COALESCE(@previewId, preview_id) END,
                updated_at = @now
            WHERE id = @id
            """, new
        {
            id = IdText(id),
            name = changes.Name,
            mimeType = changes.MimeType,
            userMetadata = changes.UserMetadata?.ToJsonString(),
            previewId = changes.PreviewId is { } preview ? IdText(preview) : null,
            clearPreview = changes.ClearPreview ? 1L : 0L,
            now = RecordJson.ToUnix(now),
        }, transaction, cancellationToken: cancellationToken));
        if (updated == 0)
        {
            return false;
        }
        if (changes.Tags is { } tags)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM asset_tags WHERE asset_id = @id", new { id = IdText(id) },
                transaction, cancellationToken: cancellationToken));
            await InsertTagsAsync(connection, transaction, id, tags, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Removes the reference and its tags; the blob's record too when nothing else refers to it. The blob's SHA-256 and
    /// whether it is now unreferenced (the caller removes its bytes), or null when there was no such asset.
    /// </summary>
    public async Task<(string Sha256, bool Unreferenced)?> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sha256 = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "DELETE FROM assets WHERE id = @id RETURNING sha256", new { id = IdText(id) }, transaction, cancellationToken: cancellationToken));
        if (sha256 is null)
        {
            return null;
        }
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM asset_tags WHERE asset_id = @id", new { id = IdText(id) },
            transaction, cancellationToken: cancellationToken));
        // A reference added meanwhile by another replica keeps the blob: the delete is conditional on there being none.
        var removed = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM blobs WHERE sha256 = @sha256 AND NOT EXISTS (SELECT 1 FROM assets WHERE sha256 = @sha256)",
            new { sha256 }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (sha256, removed > 0);
    }

    /// <summary>Whether any reference points at the blob (it must not be evicted or removed then).</summary>
    public async Task<bool> IsReferencedAsync(string sha256, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM assets WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Every blob some reference points at.</summary>
    public async Task<IReadOnlySet<string>> ReferencedBlobsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<string>(new CommandDefinition("SELECT DISTINCT sha256 FROM assets",
            cancellationToken: cancellationToken));
        return rows.ToHashSet(StringComparer.Ordinal);
    }

    public async Task TouchAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE assets SET last_access_time = @now WHERE id = @id",
            new { id = IdText(id), now = RecordJson.ToUnix(now) }, cancellationToken: cancellationToken));
    }

    internal static string IdText(Guid id) => id.ToString("D");

    private static async Task InsertTagsAsync(DbConnection connection, DbTransaction transaction, Guid id, IReadOnlyList<string> tags,
        CancellationToken cancellationToken)
    {
        if (tags.Count == 0)
        {
            return;
        }
        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO asset_tags (asset_id, tag) VALUES (@id, @tag)",
            tags.Distinct(StringComparer.Ordinal).Select(tag => new { id = IdText(id), tag }), transaction,
            cancellationToken: cancellationToken));
    }

    private static async Task<Dictionary<string, IReadOnlyList<string>>> TagsOfAsync(DbConnection connection, AssetDatabase database,
        IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        // Chunks keep the statement under both databases' parameter limits.
        foreach (var chunk in ids.Chunk(500))
        {
            var rows = await connection.QueryAsync<(string AssetId, string Tag)>(new CommandDefinition(
                $"SELECT asset_id, tag FROM asset_tags WHERE {database.InList("asset_id", "ids")}", new { ids = chunk }, cancellationToken: cancellationToken));
            foreach (var group in rows.GroupBy(r => r.AssetId, StringComparer.Ordinal))
            {
                result[group.Key] = [.. group.Select(r => r.Tag).Order(StringComparer.Ordinal)];
            }
        }
        return result;
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
