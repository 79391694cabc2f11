using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelGateway.Assets;
using ModelGateway.Sources;
using ModelGateway.Callers;

namespace ModelGateway.AssetLibrary;

/// <summary>What <c>POST /api/assets/download</c> answered: the asset at once (200), or the task importing it (202).</summary>
internal sealed record DownloadStart(AssetRecord? Asset, TaskRecord? Task);

/// <summary>
/// <c>POST /api/assets/download</c> (Cloud's import from URL): the URL is parsed (400) and the caller's policy evaluated on
/// the file's facts (403 with the verdict's code; no task, nothing fetched) first. Content the library already holds by the
/// file's published SHA-256 becomes a reference of the caller's at once; anything else is a task that downloads it
/// through the enforced pipeline (<see cref="ImportTaskRunner"/>). The same key and URL while a task runs get that task.
/// </summary>
internal sealed class AssetDownloads(
    AssetPipeline pipeline,
    AssetImporter importer,
    AssetReferences references,
    TaskRepository tasks,
    ImportTaskRunner runner)
{
    public async Task<DownloadStart> StartAsync(JsonObject body, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(caller);
        var sourceUrl = AssetRequests.RequiredString(body, "source_url");
        var tags = AssetRequests.OptionalTags(body) ?? [];
        var metadata = AssetRequests.OptionalObject(body, "user_metadata") ?? [];
        var previewId = AssetRequests.OptionalGuid(body, "preview_id", out _);
        var url = pipeline.ParseUrl(sourceUrl);
        var lookup = await importer.LookUpAsync(url, caller, cancellationToken);
        var owner = caller.Name;
        var shown = UrlCredentials.Strip(url).AbsoluteUri;
        if (await importer.FindStoredAsync(lookup.Facts, cancellationToken) is { } blob)
        {
            var asset = await references.AddAsync(blob, new ReferenceRequest(AssetImporter.FileNameOf(lookup.Facts, url), tags, metadata,
                previewId, shown), owner, "url", createdNew: false, cancellationToken);
            return new DownloadStart(asset, null);
        }
        var payload = new JsonObject
        {
            ["source_url"] = shown,
            ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]),
            ["user_metadata"] = metadata,
        };
        if (previewId is { } preview)
        {
            payload["preview_id"] = AssetRepository.IdText(preview);
        }
        var key = "download:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url.AbsoluteUri)));
        var (task, created) = await tasks.AddOrFindActiveAsync(runner.NewTask(owner, key, url.AbsoluteUri, payload), cancellationToken);
        if (created)
        {
            runner.Start(task);
        }
        return new DownloadStart(null, task);
    }
}
