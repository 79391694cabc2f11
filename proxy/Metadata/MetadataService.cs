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
using ModelGateway.Telemetry;

namespace ModelGateway.Metadata;

/// <summary>
/// The pipeline both answers share — the metadata JSON and the bytes (<c>Downloads</c>): check the URL, check the host
/// against the caller's policy before any request, pick the source, get the facts (cached, one probe at a time, within
/// the probe timeout), evaluate the caller's policy on them.
/// </summary>
/// <remarks>
/// Host lists: the probe's facts are shared by every caller, so every request of a probe is held to the base policy's
/// lists (a host they exclude is never contacted), and the pasted URL's host must pass both the base policy and the
/// caller's. A profile's own lists are evaluated on the hosts the facts record (<see cref="AssetFacts.Hosts"/>): a
/// file served through a host the caller's profile excludes is <c>UNSUPPORTED_SOURCE</c> for that caller, and a
/// preview fetched through one is not shown to it.
/// </remarks>
internal sealed class MetadataService(
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
    /// <summary>
    /// The remote-metadata answer for the <c>url</c> parameter <paramref name="rawUrl"/>, or a
    /// <see cref="GatewayException"/>; either way one audit event and its metrics.
    /// </summary>
    public async Task<MetadataAnswer> GetAsync(string? rawUrl, ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var started = timeProvider.GetTimestamp();
        var who = AuditCallerOf(caller);
        var seen = new RequestSeen();
        try
        {
            var asset = await LookUpAsync(ParseUrl(rawUrl), caller, source: null, seen, cancellationToken);
            var answer = new MetadataAnswer(AssetMetadataResponse.From(asset.Facts, asset.Verdict), asset.CacheStatus);
            var validation = answer.Response.Validation;
            telemetry.MetadataAnswered(new MetadataAudit(who, seen.Source, seen.Host, StatusCodes.Status200OK,
                validation.IsValid ? MetadataAudit.Valid : MetadataAudit.Invalid, [.. validation.Errors.Select(e => e.Code)],
                [.. validation.Warnings.Select(w => w.Code)], CacheStatusHeader.Value(answer.CacheStatus), null,
                timeProvider.GetElapsedTime(started)));
            return answer;
        }
        catch (GatewayException ex)
        {
            telemetry.MetadataAnswered(new MetadataAudit(who, seen.Source, seen.Host, ex.StatusCode, ex.Code, [], [],
                CacheStatusHeader.Of(ex), ex.Message, timeProvider.GetElapsedTime(started)));
            throw;
        }
    }

    /// <summary>The caller as audit events name it: its key's name and profile, never the key.</summary>
    public static AuditCaller AuditCallerOf(ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new AuditCaller(caller.Identity?.Name ?? AuditCaller.Anonymous.KeyName, caller.FindFirstValue(ApiKeyDefaults.PolicyProfileClaim));
    }

    /// <summary>The <c>url</c> parameter as a canonical URL, or the documented 400.</summary>
    public Uri ParseUrl(string? rawUrl) => RemoteUrlParser.Parse(rawUrl, egressOptions.CurrentValue);

    /// <summary>
    /// Host policy, source, facts and verdict for <paramref name="url"/> (already parsed). <paramref name="source"/>: the
    /// source a forwarding route serves, or null to pick the one that recognises the URL's host.
    /// </summary>
    public Task<AssetLookup> LookUpAsync(Uri url, ClaimsPrincipal caller, IMetadataSource? source, CancellationToken cancellationToken) =>
        LookUpAsync(url, caller, source, new RequestSeen(), cancellationToken);

    private async Task<AssetLookup> LookUpAsync(Uri url, ClaimsPrincipal caller, IMetadataSource? source, RequestSeen seen,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(caller);
        var egress = egressOptions.CurrentValue;
        seen.Host = HostPolicy.NormalizeHost(url.Host);
        var policy = policies.For(caller.FindFirstValue(ApiKeyDefaults.PolicyProfileClaim));
        var basePolicy = policies.For(profile: null);
        if (!HostPolicy.IsAllowed(url.Host, policy) || !HostPolicy.IsAllowed(url.Host, basePolicy))
        {
            throw GatewayException.BadRequest(ErrorCodes.UnsupportedSource, $"The host \"{seen.Host}\" is not an allowed source.");
        }

        source ??= sources.Select(url);
        seen.Source = source.Name;
        var sourceKey = source.CacheKey(url); // rejects a URL shape the source cannot read, before any request
        var key = caller.Identity?.Name ?? AuditCaller.Anonymous.KeyName;
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
        return new AssetLookup(url, source, facts, verdict, policy, basePolicy, lookup.Status);
    }

    private static ValidationIssue StaleWarning(DateTimeOffset answeredAt) => new(ValidationCodes.StaleMetadata,
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The source could not be reached; these facts are from {answeredAt:yyyy-MM-ddTHH:mm:ssZ} and may be out of date."),
        "metadata");

    /// <summary>One probe of the source (a cache miss), timed for the <c>modelgateway.probe.duration</c> histogram.</summary>
    private async Task<AssetFacts> ProbeAsync(IMetadataSource source, Uri url, PolicySettings basePolicy, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var outcome = "error";
        try
        {
            var facts = await ProbeWithinAsync(source, url, basePolicy, timeout, cancellationToken);
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
            telemetry.ProbeCompleted(source.Name, outcome, timeProvider.GetElapsedTime(started));
        }
    }

    private async Task<AssetFacts> ProbeWithinAsync(IMetadataSource source, Uri url, PolicySettings basePolicy, TimeSpan timeout,
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

    /// <summary>What the request has learned so far, for its audit event.</summary>
    private sealed class RequestSeen
    {
        public string? Host { get; set; }

        public string? Source { get; set; }
    }
}

/// <summary>The response, and how the metadata cache produced it (<c>X-Cache-Status</c>).</summary>
internal sealed record MetadataAnswer(AssetMetadataResponse Response, CacheStatus CacheStatus);

/// <summary>
/// One pass of the pipeline: the URL, the source that answered for it, its facts, the caller's policy and its verdict
/// on them, the base policy (whose host lists every request for the file is held to, as the caller's are) and how the
/// cache found the facts.
/// </summary>
internal sealed record AssetLookup(Uri Url, IMetadataSource Source, AssetFacts Facts, ValidationResult Verdict, PolicySettings Policy,
    PolicySettings BasePolicy, CacheStatus CacheStatus);
