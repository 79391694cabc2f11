using System.Security.Claims;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.Caching;
using ModelGateway.Egress;
using ModelGateway.Policies;
using ModelGateway.Policy;
using ModelGateway.Previews;
using ModelGateway.Sniffing;
using ModelGateway.Sources;
using ModelGateway.Primitives;

namespace ModelGateway.Metadata;

/// <summary>
/// The remote-metadata use case: check the URL, check the host against policy before any request, probe the
/// source within the probe timeout, evaluate the caller's policy on the facts.
/// </summary>
/// <remarks>
/// Host lists: the probe's facts are shared by every caller, so every request of a probe is held to the base policy's
/// lists (a host they exclude is never contacted), and the pasted URL's host must pass both the base policy and the
/// caller's. A profile's own lists are evaluated on the hosts the facts record (<see cref="AssetFacts.Hosts"/>): a
/// file served through a host the caller's profile excludes is <c>UNSUPPORTED_SOURCE</c> for that caller, and a
/// preview fetched through one is not shown to it.
/// </remarks>
internal sealed partial class MetadataService(
    SourceSelector sources,
    PolicyProvider policies,
    MetadataCache cache,
    IOptionsMonitor<EgressOptions> egressOptions,
    ContentInspector contentInspector,
    PreviewFetcher previewFetcher,
    ProbeLimiter probeLimiter,
    IOptionsMonitor<ContentSniffingOptions> sniffingOptions,
    TimeProvider timeProvider,
    ILogger<MetadataService> logger)
{
    public async Task<MetadataAnswer> GetAsync(string? rawUrl, ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var egress = egressOptions.CurrentValue;
        var url = RemoteUrlParser.Parse(rawUrl, egress);
        var policy = policies.For(caller.FindFirstValue(ApiKeyDefaults.PolicyProfileClaim));
        var basePolicy = policies.For(profile: null);
        if (!HostPolicy.IsAllowed(url.Host, policy) || !HostPolicy.IsAllowed(url.Host, basePolicy))
        {
            throw GatewayException.BadRequest(ErrorCodes.UnsupportedSource, $"The host \"{HostPolicy.NormalizeHost(url.Host)}\" is not an allowed source.");
        }

        var source = sources.Select(url);
        var sourceKey = source.CacheKey(url); // rejects a URL shape the source cannot read, before any request
        var key = caller.Identity?.Name ?? "anonymous";
        var lookup = await cache.GetOrProbeAsync(source.Name, sourceKey, async ct =>
        {
            using var permit = probeLimiter.Acquire(key); // only a probe counts, never a cached answer
            return await ProbeAsync(source, url, basePolicy, egress.Timeout, ct);
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
        Log.Answered(logger, key, source.Name, HostPolicy.NormalizeHost(url.Host),
            verdict.IsValid, verdict.Errors.Count > 0 ? verdict.Errors[0].Code : "-");
        return new MetadataAnswer(AssetMetadataResponse.From(facts, verdict), lookup.Status);
    }

    private static ValidationIssue StaleWarning(DateTimeOffset answeredAt) => new(ValidationCodes.StaleMetadata,
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The source could not be reached; these facts are from {answeredAt:yyyy-MM-ddTHH:mm:ssZ} and may be out of date."),
        "metadata");

    private async Task<AssetFacts> ProbeAsync(IMetadataSource source, Uri url, PolicySettings basePolicy, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var verify = sniffingOptions.CurrentValue.VerifyContent;
        var scope = new ProbeScope(basePolicy.AllowedHosts, basePolicy.BlockedHosts, verify ? ContentSniffer.HeadBytes : 0);
        try
        {
            var result = await source.ProbeAsync(url, scope, linked.Token);
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

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Metadata for {Caller}: source {Source}, host {Host}, valid {IsValid}, first error {FirstError}.",
            EventName = "MetadataAnswered")]
        public static partial void Answered(ILogger logger, string caller, string source, string host, bool isValid, string firstError);
    }
}

/// <summary>The response, and how the metadata cache produced it (<c>X-Cache-Status</c>).</summary>
internal sealed record MetadataAnswer(AssetMetadataResponse Response, CacheStatus CacheStatus);
