using System.Globalization;
using Microsoft.Net.Http.Headers;
using ModelGateway.Assets;
using ModelGateway.Egress;
using ModelGateway.Policies;
using ModelGateway.Primitives;
using ModelGateway.Sniffing;
using ModelGateway.Sources;

namespace ModelGateway.Downloads;

internal sealed partial class FileDownloader
{
    /// <summary>A GET: asks the host for the bytes (the client's range widened to the head), plans the copy, copies.</summary>
    private async Task StreamAsync(Download download, ContentLocation location)
    {
        var context = download.Context;
        var request = context.Request;
        var fileSize = download.Facts.ContentLength;
        var wanted = ByteRange.FromRequest(request.GetTypedHeaders().Range, fileSize, out var unsatisfiable);
        if (unsatisfiable)
        {
            download.AnswerUnsatisfiable(fileSize);
            return;
        }
        var headBytes = PickleStreamGuard.HeadBytes(download.Facts, ContentSniffer.HeadBytes); // a scanned pickle's prefix is checked whole
        var asked = RangePlanner.ToAsk(wanted, headBytes);
        var ifRange = wanted is null ? default : request.Headers.IfRange;
        var ifNoneMatch = request.Headers.IfNoneMatch;
        var inspectedTag = download.Facts.ContentTag;
        var egressRequest = download.Request(HttpMethod.Get, location.Url, message =>
        {
            location.Authorize?.Invoke(message);
            if (asked is { } range)
            {
                message.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(range.From, range.To);
                if (ifRange.Count > 0)
                {
                    message.Headers.TryAddWithoutValidation(HeaderNames.IfRange, ifRange.ToString());
                }
                // A part is only ever of the version that was inspected: a host that swapped the file answers 412.
                if (inspectedTag is not null)
                {
                    message.Headers.TryAddWithoutValidation(HeaderNames.IfMatch, inspectedTag);
                }
            }
            if (ifNoneMatch.Count > 0)
            {
                message.Headers.TryAddWithoutValidation(HeaderNames.IfNoneMatch, ifNoneMatch.ToString());
            }
        }) with
        {
            Trusted = location.Trusted,
        };

        using var response = await SendAsync(egressRequest, context.RequestAborted);
        var message = response.Message;
        switch (response.StatusCode)
        {
            case StatusCodes.Status304NotModified:
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                download.WriteFileHeaders(response.HopHeaders, message.Headers.ETag);
                context.Response.Headers.ContentDisposition = default;
                download.Finish(DownloadOutcome.NotModified, StatusCodes.Status304NotModified);
                return;
            case StatusCodes.Status416RangeNotSatisfiable:
                download.AnswerUnsatisfiable(message.Content.Headers.ContentRange?.Length ?? fileSize);
                return;
            case StatusCodes.Status412PreconditionFailed when asked is not null && inspectedTag is not null:
                throw download.Changed("The file host no longer serves the version that was inspected (its ETag changed).");
            case StatusCodes.Status200OK or StatusCodes.Status206PartialContent:
                break;
            default:
                download.Finish(DownloadOutcome.SourceFailed, StatusCodes.Status422UnprocessableEntity, SourceFailures.CodeFor(response.StatusCode));
                throw SourceFailures.FromStatus(response.StatusCode, "The file host");
        }

        var body = HostBody.Of(response, asked);
        if (EgressBody.IsEncoded(message.Content.Headers))
        {
            throw download.Changed("The file host sent the file encoded, not its own bytes.");
        }
        if (fileSize is { } inspected && body.FileSize is { } served && served != inspected)
        {
            throw download.Changed(string.Create(CultureInfo.InvariantCulture, $"The file host now serves {served} bytes; {inspected} were inspected."));
        }
        var maxSize = download.Asset.Policy.MaxSizeBytes;
        if (maxSize > 0 && body.FileSize > maxSize)
        {
            throw download.Refuse(DownloadOutcome.Refused, new GatewayException(StatusCodes.Status403Forbidden, ValidationCodes.FileTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"File size {body.FileSize} bytes exceeds the limit of {maxSize} bytes.")));
        }
        fileSize ??= body.FileSize;
        if (RangePlanner.Plan(wanted, body, fileSize, download.Facts.Sha256, maxSize) is not { } plan)
        {
            download.AnswerUnsatisfiable(fileSize); // the file ends before the part asked for
            return;
        }

        if (PickleStreamGuard.RangeRefusal(download.Facts, plan) is { } pickleRefusal)
        {
            throw download.Refuse(DownloadOutcome.Refused, pickleRefusal);
        }

        await using var upstream = await message.Content.ReadAsStreamAsync(context.RequestAborted);
        var idle = options.CurrentValue.IdleTimeout;
        HeadGate formatGate = head => HeadCheck.Refusal(download.Facts, head.Span, body.FileSize);
        var copy = new StreamCopy(upstream, PickleStreamGuard.Wrap(context.Response.Body, download.Facts, plan), plan, idle)
        {
            HeadBytes = headBytes,
            HeadGates = PickleStreamGuard.HeadGate(download.Facts) is { } pickleGate ? [formatGate, pickleGate] : [formatGate],
            Starting = () => download.WriteStart(response, plan, body),
            Sending = download.Started,
            Sink = LibrarySink(download, plan),
        };
        var result = await copier.CopyAsync(copy, context.RequestAborted);
        download.BytesSent = result.BytesWritten;
        if (result.Outcome == DownloadOutcome.Completed)
        {
            await CompleteFillAsync(download);
        }
        switch (result.Outcome)
        {
            case DownloadOutcome.Completed:
                download.Finish(DownloadOutcome.Completed, context.Response.StatusCode);
                break;
            case var _ when result.Refusal is { } refusal:
                throw download.Refuse(refusal.Outcome, refusal.Error);
            case DownloadOutcome.IdleTimeout:
                download.Fail(result.Outcome, ErrorCodes.NetworkTimeout,
                    string.Create(CultureInfo.InvariantCulture, $"The file host sent nothing for {idle.TotalSeconds:0} seconds."));
                break;
            case DownloadOutcome.HostBrokeOff:
                download.Fail(result.Outcome, ErrorCodes.NetworkError, "The file host broke off the transfer.");
                break;
            default:
                download.Abort(result.Outcome);
                break;
        }
    }

    private async Task<EgressResponse> SendAsync(EgressRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await egress.SendAsync(request, cancellationToken);
        }
        catch (EgressException ex)
        {
            throw EgressFailures.ToGatewayException(ex);
        }
    }
}
