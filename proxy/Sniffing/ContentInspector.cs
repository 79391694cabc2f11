using System.Net.Http.Headers;
using ModelGateway.Egress;
using ModelGateway.Policies;
using ModelGateway.Sources;

namespace ModelGateway.Sniffing;

/// <summary>
/// Reads a file's first bytes with Range requests and merges what they say into the probe's facts. Redirects to
/// storage or a CDN are followed by <see cref="EgressClient"/> (every hop egress-checked); the source's
/// <see cref="ContentLocation.Authorize"/> callback sees every hop and adds credentials only on the source's own
/// hosts. A failed read never fails the request: the facts come back <see cref="FormatCheck.Unverified"/>.
/// </summary>
internal sealed partial class ContentInspector(EgressClient egress, ILogger<ContentInspector> logger)
{
    /// <param name="blockedHosts">Host patterns no redirect may lead to (the base policy's <c>BlockedHosts</c>).</param>
    public async Task<AssetFacts> InspectAsync(ProbeResult probe, IReadOnlyList<string> blockedHosts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var facts = probe.Facts;
        if (probe.Content is not { } location)
        {
            return ContentVerification.Unverified(facts);
        }
        try
        {
            var (sniff, rangeTotal) = await SniffAsync(location, blockedHosts, facts, cancellationToken);
            if (facts.ContentLength is null && rangeTotal is { } size)
            {
                facts = facts with { ContentLength = size }; // the source could not tell; Content-Range did
            }
            var verified = ContentVerification.Apply(facts, sniff);
            Log.Sniffed(logger, location.Url.Host, sniff.Kind, sniff.Signature ?? "-", verified.FormatCheck);
            return verified;
        }
        catch (EgressException ex)
        {
            Log.ReadFailed(logger, location.Url.Host, ex.Failure);
            return ContentVerification.Unverified(facts);
        }
    }

    /// <summary>What the head says, and the file's size when a Content-Range told it.</summary>
    private async Task<(SniffResult Sniff, long? RangeTotal)> SniffAsync(ContentLocation location, IReadOnlyList<string> blockedHosts, AssetFacts facts,
        CancellationToken cancellationToken)
    {
        if (await ReadAsync(location, blockedHosts, 0, ContentSniffer.HeadBytes, cancellationToken) is not { } first)
        {
            return (SniffResult.Undetermined, null);
        }
        // The server's Content-Range total is the file's true size; a source's claim may be rounded (CivitAI's KB).
        var rangeTotal = first.Ranged ? first.Total : null;
        var total = rangeTotal ?? facts.ContentLength ?? first.Total;
        var sniff = ContentSniffer.Sniff(first.Bytes, total, facts.Filename);
        if (sniff is not { Kind: SniffKind.NeedMoreBytes, NeedBytes: { } need } || need > 8 + SafeTensorSniffer.MaxHeaderBytes)
        {
            return (sniff, rangeTotal);
        }

        // A safetensors header longer than the head: one more read for the rest of it.
        var have = first.Bytes.Length;
        if (await ReadAsync(location, blockedHosts, have, (int)need - have, cancellationToken) is not { } rest)
        {
            return (SniffResult.Undetermined, rangeTotal);
        }
        byte[] head;
        if (rest.Start == have)
        {
            head = new byte[have + rest.Bytes.Length];
            first.Bytes.CopyTo(head, 0);
            rest.Bytes.CopyTo(head, have);
        }
        else
        {
            head = rest.Bytes; // the server ignored Range and sent the file from its start
        }
        sniff = ContentSniffer.Sniff(head, total ?? rest.Total, facts.Filename);
        return (sniff.Kind == SniffKind.NeedMoreBytes ? SniffResult.Undetermined : sniff, rangeTotal);
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes from <paramref name="from"/>. A server that ignores Range sends the whole
    /// file: it is read only up to the end of the wanted range, then the response is disposed (connection dropped).
    /// Null when the server refuses or sends something other than the file's own bytes.
    /// </summary>
    private async Task<Chunk?> ReadAsync(ContentLocation location, IReadOnlyList<string> blockedHosts, int from, int count, CancellationToken cancellationToken)
    {
        var request = new EgressRequest(HttpMethod.Get, location.Url, message =>
        {
            location.Authorize?.Invoke(message);
            message.Headers.Range = new RangeHeaderValue(from, from + count - 1);
        })
        {
            BlockedHosts = blockedHosts,
            Trusted = location.Trusted,
        };
        using var response = await egress.SendAsync(request, cancellationToken);
        var headers = response.Message.Content.Headers;
        if (response.StatusCode == 416)
        {
            return new Chunk([], from, headers.ContentRange?.Length, Ranged: true); // the file ends before `from`
        }
        if (!response.IsSuccess)
        {
            Log.ReadRefused(logger, response.FinalUrl.Host, response.StatusCode);
            return null;
        }
        if (EgressBody.IsEncoded(headers))
        {
            return null; // encoded bytes are not the file's bytes
        }
        if (response.StatusCode == 206)
        {
            if (headers.ContentRange is not { From: { } start } range || start != from)
            {
                return null;
            }
            return new Chunk(await EgressBody.ReadHeadAsync(response.Message, count, cancellationToken), from, range.Length, Ranged: true);
        }
        Log.RangeIgnored(logger, response.FinalUrl.Host, response.StatusCode);
        var bytes = await EgressBody.ReadHeadAsync(response.Message, from + count, cancellationToken);
        return new Chunk(bytes, 0, headers.ContentLength, Ranged: false);
    }

    /// <param name="Ranged">Whether <paramref name="Total"/> is a Content-Range total (else a 200's Content-Length).</param>
    private sealed record Chunk(byte[] Bytes, long Start, long? Total, bool Ranged);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Content of a file on {Host}: {Kind} {Signature}, format check {Check}.", EventName = "ContentSniffed")]
        public static partial void Sniffed(ILogger logger, string host, SniffKind kind, string signature, FormatCheck check);

        [LoggerMessage(2, LogLevel.Information, "Reading a file's head from {Host} failed ({Failure}); its format stays unverified.", EventName = "ContentReadFailed")]
        public static partial void ReadFailed(ILogger logger, string host, EgressFailure failure);

        [LoggerMessage(3, LogLevel.Information, "{Host} answered {Status} to a Range read; the file's format stays unverified.", EventName = "ContentReadRefused")]
        public static partial void ReadRefused(ILogger logger, string host, int status);

        [LoggerMessage(4, LogLevel.Debug, "{Host} ignored Range ({Status}); reading the head only and dropping the connection.", EventName = "ContentRangeIgnored")]
        public static partial void RangeIgnored(ILogger logger, string host, int status);
    }
}
