namespace ModelGateway.Sources.CivitAi;

/// <summary>
/// The CivitAI paths a forwarding route may send to CivitAI. Everything under <c>/api/download/</c> serves file bytes —
/// model files (the download pipeline serves <c>/api/download/models/{versionId}</c>), training data, attachments — and
/// is recognised in any case, slash doubling or encoding. Reads on the allow-list (<c>docs/api.md</c>, "Enforced
/// routes") are the public REST API's (<c>/api/v1/…</c>): models, versions (by id, by hash, mini), images, creators,
/// tags, enums.
/// </summary>
internal sealed class CivitAiForwardedPaths : IForwardedPathRules
{
    private static readonly string[] Collections = ["models", "model-versions", "modelVersions", "images", "creators", "tags", "enums"];

    public string SourceName => CivitAiSource.SourceName;

    public ForwardedPath Classify(string method, Uri url)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(url);
        var path = ForwardedPathSegments.Of(url);
        if (path.LooselyContains("download"))
        {
            return new ForwardedPath(ForwardedPathKind.File, path.Loose.SkipWhile(s => s != "download").Skip(1).FirstOrDefault() ?? "download");
        }
        if (!path.IsCanonical || !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method)))
        {
            return ForwardedPath.Other;
        }
        return path.Exact switch
        {
            ["api", "v1", var collection] when Collections.Contains(collection) => Read($"api/v1/{collection}"),
            ["api", "v1", var collection, var id] when Collections.Contains(collection) && IsId(id) => Read($"api/v1/{collection}/{{id}}"),
            ["api", "v1", "model-versions" or "modelVersions", var kind and ("by-hash" or "mini"), var id] when IsId(id) =>
                Read($"api/v1/model-versions/{kind}/{{id}}"),
            _ => ForwardedPath.Other,
        };
    }

    private static ForwardedPath Read(string endpoint) => new(ForwardedPathKind.Read, endpoint);

    // A numeric id or a hash (by-hash takes AutoV1/V2/V3, SHA256, CRC32, BLAKE3): letters and digits only.
    private static bool IsId(string segment) => segment.Length is > 0 and <= 128 && segment.All(char.IsAsciiLetterOrDigit);
}
