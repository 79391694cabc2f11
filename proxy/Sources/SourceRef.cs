using ModelGateway.Policies;

namespace ModelGateway.Sources;

/// <summary>
/// A URL a source recognised, read once (<see cref="IMetadataSource.TryRecognize"/>): every later step — the host
/// lists, the cache, the probe, the download's location — takes this reference and never parses the URL again.
/// </summary>
internal class SourceRef
{
    public SourceRef(IMetadataSource source, Uri url, string cacheKey)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(cacheKey);
        Source = source;
        Url = url;
        CacheKey = cacheKey;
        Host = HostPolicy.NormalizeHost(url.Host);
    }

    /// <summary>The source that recognised the URL, and answers for it.</summary>
    public IMetadataSource Source { get; }

    /// <summary>The URL as given (its host canonical when it came through the <c>url</c> parameter).</summary>
    public Uri Url { get; }

    /// <summary>The URL's host, normalized once (what the host lists, the audit log and the metrics read).</summary>
    public string Host { get; }

    /// <summary>The key the facts are cached under (no secret in clear: a token is hashed into it, or the cache hashes it).</summary>
    public string CacheKey { get; }
}

/// <summary>A <see cref="SourceRef"/> carrying what its source read from the URL (<typeparamref name="T"/>), for its later steps.</summary>
internal sealed class SourceRef<T>(IMetadataSource source, Uri url, string cacheKey, T parsed) : SourceRef(source, url, cacheKey)
    where T : notnull
{
    public T Parsed { get; } = parsed;

    /// <summary>What <paramref name="source"/> read from the URL of <paramref name="asset"/>, which it must have recognised.</summary>
    public static T Of(SourceRef asset, IMetadataSource source)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return asset is SourceRef<T> typed && ReferenceEquals(asset.Source, source)
            ? typed.Parsed
            : throw new ArgumentException($"The reference is not one source \"{source.Name}\" made.", nameof(asset));
    }
}
