namespace ModelGateway.Assets;

/// <summary>What a lookup has learned so far — the URL's host, the source that recognised it — for an audit event written even when it fails.</summary>
internal sealed class LookupSeen
{
    public string? Host { get; set; }

    public string? Source { get; set; }
}
