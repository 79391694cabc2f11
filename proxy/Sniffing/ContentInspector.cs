using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using ModelGateway.Egress;
using ModelGateway.PickleScan;
using ModelGateway.Policies;
using ModelGateway.Previews;
using ModelGateway.Sources;

namespace ModelGateway.Sniffing;

/// <summary>
/// Reads a file's first bytes with Range requests — or takes the ones the probe already read — and merges what they
/// say into the probe's facts. Redirects to storage or a CDN are followed by <see cref="EgressClient"/> (every hop
/// egress-checked and held to the probe's host lists); the source's <see cref="ContentLocation.Authorize"/> callback
/// sees every hop and adds credentials only on the source's own hosts. A failed read never fails the request: the
/// facts come back <see cref="FormatCheck.Unverified"/>. Bounded: the head (100 KiB), and for a longer safetensors
/// header one more read of at most <c>ContentCheck:MaxHeaderBytes</c> into one buffer of the header's size.
/// </summary>
internal sealed partial class ContentInspector(
    EgressClient egress,
    IOptionsMonitor<ContentCheckOptions> checkOptions,
    IOptionsMonitor<PreviewOptions> previewOptions,
    PickleReportCache pickleReports,
    ILogger<ContentInspector> logger)
{
    public async Task<AssetFacts> InspectAsync(ProbeResult probe, ProbeScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(scope);
        var facts = probe.Facts;
        if (probe.Content is not { } location)
        {
            return ContentVerification.Unverified(facts);
        }
        var limits = new SniffLimits(checkOptions.CurrentValue.MaxHeaderBytes, previewOptions.CurrentValue.Limits);
        try
        {
            var (sniff, rangeTotal, head) = await SniffAsync(probe, location, scope, limits, cancellationToken);
            if (facts.ContentLength is null && rangeTotal is { } size)
            {
                facts = facts with { ContentLength = size }; // the source could not tell; Content-Range did
            }
            var verified = ContentVerification.Apply(facts, sniff);
            Log.Sniffed(logger, location.Url.Host, sniff.Kind, sniff.Signature ?? "-", verified.FormatCheck);
            if (head is not null && BearsPickles(facts.Format, sniff))
            {
                verified = verified with { PickleReport = await ScanPicklesAsync(location, scope, head, rangeTotal ?? facts.ContentLength, facts, cancellationToken) };
            }
            return verified;
        }
        catch (EgressException ex)
        {
            Log.ReadFailed(logger, location.Url.Host, ex.Failure);
            return ContentVerification.Unverified(facts);
        }
    }

    /// <summary>What the head says, and the file's size when a Content-Range told it.</summary>
    private async Task<(SniffResult Sniff, long? RangeTotal, byte[]? Head)> SniffAsync(ProbeResult probe, ContentLocation location, ProbeScope scope,
        SniffLimits limits, CancellationToken cancellationToken)
    {
        var first = probe.Head is { } head
            ? head.Response is { } response
                ? new Chunk(await EgressBody.ReadHeadAsync(response.Message, ContentSniffer.HeadBytes, cancellationToken), head.Total, head.Ranged)
                : head is { Total: 0, Ranged: true } ? new Chunk([], 0, Ranged: true) : null
            : await ReadHeadAsync(location, scope, cancellationToken);
        if (first is null)
        {
            return (SniffResult.Undetermined, null, null);
        }
        var facts = probe.Facts;
        // The server's Content-Range total is the file's true size; a source's claim may be rounded (CivitAI's KB).
        var rangeTotal = first.Ranged ? first.Total : null;
        var total = rangeTotal ?? facts.ContentLength ?? first.Total;
        var sniff = ContentSniffer.Sniff(first.Bytes, total, facts.Filename, limits);
        if (sniff is not { Kind: SniffKind.NeedMoreBytes, NeedBytes: { } need } || need > 8L + limits.MaxHeaderBytes)
        {
            return (sniff, rangeTotal, first.Bytes);
        }

        // A safetensors header longer than the head: one more read for the rest of it, into the header's own buffer.
        if (await ReadHeaderAsync(location, scope, first.Bytes, (int)need, cancellationToken) is not { } header)
        {
            return (SniffResult.Undetermined, rangeTotal, null);
        }
        sniff = ContentSniffer.Sniff(header, total, facts.Filename, limits);
        return (sniff.Kind == SniffKind.NeedMoreBytes ? SniffResult.Undetermined : sniff, rangeTotal, null);
    }

    /// <summary>
    /// Reads the file's first <see cref="ContentSniffer.HeadBytes"/>. A server that ignores Range sends the whole file:
    /// it is read only up to the head, then the response is disposed (connection dropped). Null when the server refuses
    /// or sends something other than the file's own bytes.
    /// </summary>
    private async Task<Chunk?> ReadHeadAsync(ContentLocation location, ProbeScope scope, CancellationToken cancellationToken)
    {
        using var response = await SendRangeAsync(location, scope, 0, ContentSniffer.HeadBytes, cancellationToken);
        var headers = response.Message.Content.Headers;
        if (response.StatusCode == 416)
        {
            return new Chunk([], headers.ContentRange?.Length, Ranged: true); // an empty file
        }
        if (!IsFileBytes(response, from: 0))
        {
            return null;
        }
        var bytes = await EgressBody.ReadHeadAsync(response.Message, ContentSniffer.HeadBytes, cancellationToken);
        return response.StatusCode == 206
            ? new Chunk(bytes, headers.ContentRange!.Length, Ranged: true)
            : new Chunk(bytes, headers.ContentLength, Ranged: false);
    }

    /// <summary>
    /// The first <paramref name="need"/> bytes of the file in one buffer of that size: <paramref name="head"/>, then the
    /// rest read straight into it (from the start when the server ignores Range). Null when they cannot be had.
    /// </summary>
    private async Task<byte[]?> ReadHeaderAsync(ContentLocation location, ProbeScope scope, byte[] head, int need, CancellationToken cancellationToken)
    {
        using var response = await SendRangeAsync(location, scope, head.Length, need - head.Length, cancellationToken);
        if (!IsFileBytes(response, from: head.Length))
        {
            return null;
        }
        var header = new byte[need];
        var offset = 0;
        if (response.StatusCode == 206)
        {
            head.CopyTo(header, 0);
            offset = head.Length;
        }
        var read = await EgressBody.ReadIntoAsync(response.Message, header.AsMemory(offset), cancellationToken);
        return offset + read == need ? header : null;
    }

    private async Task<EgressResponse> SendRangeAsync(ContentLocation location, ProbeScope scope, long from, long count, CancellationToken cancellationToken)
    {
        var request = scope.Request(HttpMethod.Get, location.Url, message =>
        {
            location.Authorize?.Invoke(message);
            message.Headers.Range = new RangeHeaderValue(from, from + count - 1);
        }) with
        {
            Trusted = location.Trusted,
        };
        return await egress.SendAsync(request, cancellationToken);
    }

    // A 206 of exactly the range asked from, or a 200 of the whole file (Range ignored), in the file's own bytes.
    private bool IsFileBytes(EgressResponse response, long from)
    {
        if (!response.IsSuccess)
        {
            Log.ReadRefused(logger, response.FinalUrl.Host, response.StatusCode);
            return false;
        }
        var headers = response.Message.Content.Headers;
        if (EgressBody.IsEncoded(headers))
        {
            return false; // encoded bytes are not the file's bytes
        }
        if (response.StatusCode == 206)
        {
            return headers.ContentRange is { From: { } start } && start == from;
        }
        Log.RangeIgnored(logger, response.FinalUrl.Host, response.StatusCode);
        return true;
    }

    /// <param name="Ranged">Whether <paramref name="Total"/> is a Content-Range total (else a 200's Content-Length).</param>
    private sealed record Chunk(byte[] Bytes, long? Total, bool Ranged);

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

        [LoggerMessage(5, LogLevel.Information, "Pickle scan of a file on {Host}: {Container}, {Verdict}.", EventName = "PicklesScanned")]
        public static partial void PicklesScanned(ILogger logger, string host, string container, PickleVerdict verdict);
    }
}
