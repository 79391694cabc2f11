using Microsoft.Extensions.Options;
using ModelGateway.Caching;
using ModelGateway.Callers;
using ModelGateway.Egress;
using ModelGateway.Policies;
using ModelGateway.PolicyProfiles;
using ModelGateway.Previews;
using ModelGateway.Primitives;
using ModelGateway.Sniffing;
using ModelGateway.Sources;
using ModelGateway.Telemetry;

namespace ModelGateway.Assets;

/// <summary>
/// The one lookup both answers share — the metadata JSON (<c>Metadata</c>) and the bytes (<c>Downloads</c>): parse the
/// URL, check its host against the caller's policy before any request, recognise it (once: every later step takes the
/// <see cref="SourceRef"/>), get the facts (cached, one probe at a time, within the probe timeout), evaluate the
/// caller's policy on them.
/// </summary>
/// <remarks>
/// Host lists: the probe's facts are shared by every caller, so every request of a probe is held to the base policy's
/// lists (a host they exclude is never contacted), and the pasted URL's host must pass both the base policy and the
/// caller's (<see cref="HostLists"/>). A profile's own lists are evaluated on the hosts the facts record
/// (<see cref="AssetFacts.Hosts"/>): a file served through a host the caller's profile excludes is
/// <c>UNSUPPORTED_SOURCE</c> for that caller, and a preview fetched through one is not shown to it.
/// </remarks>
internal sealed class AssetPipeline(
    SourceSelector sources,
    PolicyProvider policies,
    MetadataCache cache,
    IOptionsMonitor<EgressOptions> egressOptions,
    ContentInspector contentInspector,
    PreviewFetcher previewFetcher,
    ProbeLimiter probeLimiter,
    IOptionsMonitor<ContentSniffingOptions> sniffingOptions,
    TimeProvider timeProvider,
    GatewayTelemetry telemetry)
{
    /// <summary>The <c>url</c> parameter as a canonical URL, or the documented 400.</summary>
    public Uri ParseUrl(string? rawUrl) => RemoteUrlParser.Parse(rawUrl, egressOptions.CurrentValue);

    /// <summary>
    /// Host policy, source, facts and verdict for <paramref name="url"/> (already parsed), recognised by the source whose
    /// hosts it is on; <paramref name="seen"/>, when given, learns its host and source as soon as they are known.
    /// </summary>
    public Task<AssetLookup> LookUpAsync(Uri url, Caller caller, CancellationToken cancellationToken, LookupSeen? seen = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        return LookUpAsync(url, recognized: null, caller, seen ?? new LookupSeen(), cancellationToken);
    }

    /// <summary>As above, for a reference a forwarding route's source made (<see cref="IMetadataSource.TryRecognizeFile"/>).</summary>
    public Task<AssetLookup> LookUpAsync(SourceRef asset, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return LookUpAsync(asset.Url, asset, caller, new LookupSeen(), cancellationToken);
    }

    private async Task<AssetLookup> LookUpAsync(Uri url, SourceRef? recognized, Caller caller, LookupSeen seen,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var egress = egressOptions.CurrentValue;
        seen.Host = recognized?.Host ?? HostPolicy.NormalizeHost(url.Host);
        var policy = policies.For(caller.Profile);
        var basePolicy = policies.For(profile: null);
        if (!HostLists.Allow(seen.Host, basePolicy, policy))
        {
            throw GatewayException.BadRequest(ErrorCodes.UnsupportedSource, $"The host \"{seen.Host}\" is not an allowed source.");
        }

        // Read once, before any request: a URL shape the source cannot read is a 400 here.
        var asset = recognized ?? sources.Recognize(url);
        seen.Source = asset.Source.Name;
        var lookup = await cache.GetOrProbeAsync(asset.Source.Name, asset.CacheKey, async ct =>
        {
            using var permit = probeLimiter.Acquire(caller.Name); // only a probe counts, never a cached answer
            return await ProbeAsync(asset, basePolicy, egress.Timeout, ct);
        }, egress.Timeout, cancellationToken);
        var facts = lookup.Facts;
        if (HostPolicy.FirstNotAllowed(facts.PreviewHosts, policy) is not null)
        {
            facts = facts with { PreviewImage = null };
        }
        var verdict = PolicyEvaluator.Evaluate(facts, policy);
        if (lookup.Status == CacheStatus.Stale)
        {
            verdict = verdict with { Warnings = [.. verdict.Warnings, StaleWarning(lookup.AnsweredAt)] };
        }
        return new AssetLookup(asset, facts, verdict, policy, basePolicy, lookup.Status);
    }

    private static ValidationIssue StaleWarning(DateTimeOffset answeredAt) => new(ValidationCodes.StaleMetadata,
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The source could not be reached; these facts are from {answeredAt:yyyy-MM-ddTHH:mm:ssZ} and may be out of date."),
        "metadata");

    /// <summary>One probe of the source (a cache miss), timed for the <c>modelgateway.probe.duration</c> histogram.</summary>
    private async Task<AssetFacts> ProbeAsync(SourceRef asset, PolicySettings basePolicy, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var outcome = "error";
        try
        {
            var facts = await ProbeWithinAsync(asset, basePolicy, timeout, cancellationToken);
            outcome = "ok";
            return facts;
        }
        catch (GatewayException ex)
        {
            outcome = ex.Code;
            throw;
        }
        finally
        {
            telemetry.ProbeCompleted(asset.Source.Name, outcome, timeProvider.GetElapsedTime(started));
        }
    }

    private async Task<AssetFacts> ProbeWithinAsync(SourceRef asset, PolicySettings basePolicy, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var verify = sniffingOptions.CurrentValue.VerifyContent;
        var scope = new ProbeScope(basePolicy.AllowedHosts, basePolicy.BlockedHosts, verify ? ContentSniffer.HeadBytes : 0);
        try
        {
            var result = await asset.Source.ProbeAsync(asset, scope, linked.Token);
            using var head = result.Head;
            // The preview and the content check ask different hosts for different things: side by side.
            var preview = result.PreviewUrl is { } previewUrl
                ? PreviewAsync(previewUrl, basePolicy, deadline, cancellationToken, linked.Token)
                : Task.FromResult<FetchedPreview?>(null);
            var facts = verify ? await InspectAsync(result, scope, deadline, cancellationToken, linked.Token) : result.Facts;
            var fetched = await preview;
            return facts with
            {
                Hosts = scope.FileHosts.Hosts,
                PreviewImage = fetched?.DataUrl ?? facts.PreviewImage,
                PreviewHosts = fetched?.Hosts ?? [],
            };
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw GatewayException.SourceFailed(ErrorCodes.NetworkTimeout,
                $"The source did not answer within {timeout.TotalSeconds:0} seconds.", ex);
        }
        catch (EgressException ex)
        {
            throw EgressFailures.ToGatewayException(ex);
        }
    }

    private async Task<AssetFacts> InspectAsync(ProbeResult result, ProbeScope scope, CancellationTokenSource deadline,
        CancellationToken callerToken, CancellationToken probeToken)
    {
        try
        {
            return await contentInspector.InspectAsync(result, scope, probeToken);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            return ContentVerification.Unverified(result.Facts); // the source answered; only the content check ran out of time
        }
    }

    private async Task<FetchedPreview?> PreviewAsync(Uri url, PolicySettings basePolicy, CancellationTokenSource deadline,
        CancellationToken callerToken, CancellationToken probeToken)
    {
        try
        {
            return await previewFetcher.FetchAsync(url, basePolicy.AllowedHosts, basePolicy.BlockedHosts, probeToken);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            return null; // a preview is a nicety: the probe's deadline only leaves it out
        }
    }
}
