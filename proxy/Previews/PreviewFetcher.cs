using Microsoft.Extensions.Options;
using ModelGateway.Egress;

namespace ModelGateway.Previews;

/// <summary>A preview image fetched from its own URL, and the hosts its request went to.</summary>
internal sealed record FetchedPreview(string DataUrl, IReadOnlyList<string> Hosts);

/// <summary>
/// Fetches a source's preview image (e.g. CivitAI's) through the egress client, held to the host lists it is given on
/// every hop, the first included, and never with a source's token. A preview is a nicety: it gets its own short
/// deadline and any failure only omits it.
/// </summary>
internal sealed partial class PreviewFetcher(
    EgressClient egress,
    IOptionsMonitor<PreviewOptions> options,
    TimeProvider timeProvider,
    ILogger<PreviewFetcher> logger)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    /// <summary>The preview at <paramref name="url"/> as a data URL within <c>Previews</c>' caps, or null.</summary>
    public async Task<FetchedPreview?> FetchAsync(Uri url, IReadOnlyList<string> allowedHosts, IReadOnlyList<string> blockedHosts,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        var trail = new HostTrail();
        using var deadline = new CancellationTokenSource(Deadline, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await egress.SendAsync(
                new EgressRequest(HttpMethod.Get, url) { AllowedHosts = allowedHosts, BlockedHosts = blockedHosts, Trail = trail }, linked.Token);
            if (!response.IsSuccess)
            {
                Log.Omitted(logger, url.Host, $"status {response.StatusCode}");
                return null;
            }
            if (await PreviewImages.ReadDataUrlAsync(response.Message, options.CurrentValue.Limits, linked.Token) is not { } dataUrl)
            {
                Log.Omitted(logger, url.Host, "not an image, or larger than Previews:MaxBytes or Previews:MaxPixels");
                return null;
            }
            return new FetchedPreview(dataUrl, trail.Hosts);
        }
        catch (EgressException ex)
        {
            Log.Omitted(logger, url.Host, ex.Failure.ToString());
            return null;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Log.Omitted(logger, url.Host, "no answer within its deadline");
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Preview from {Host} omitted ({Reason}).", EventName = "PreviewOmitted")]
        public static partial void Omitted(ILogger logger, string host, string reason);
    }
}
