using System.Security.Claims;
using Microsoft.Extensions.Options;
using ModelGateway.Auth;
using ModelGateway.Caching;
using ModelGateway.Egress;
using ModelGateway.Policies;
using ModelGateway.Policy;
using ModelGateway.Sniffing;
using ModelGateway.Sources;
using ModelGateway.Primitives;
using ModelGateway.Telemetry;

namespace ModelGateway.Metadata;

/// <summary>
/// The remote-metadata use case: check the URL, check the host against policy before any request, probe the
/// source within the probe timeout, evaluate the caller's policy on the facts.
/// </summary>
internal sealed class MetadataService(
    SourceSelector sources,
    PolicyProvider policies,
    MetadataCache cache,
    IOptionsMonitor<EgressOptions> egressOptions,
    ContentInspector contentInspector,
    IOptionsMonitor<ContentSniffingOptions> sniffingOptions,
    TimeProvider timeProvider,
    GatewayTelemetry telemetry)
{
    /// <summary>The answer, or a <see cref="GatewayException"/>; either way one audit event and its metrics.</summary>
    public async Task<MetadataAnswer> GetAsync(string? rawUrl, ClaimsPrincipal caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var started = timeProvider.GetTimestamp();
        var who = new AuditCaller(caller.Identity?.Name ?? AuditCaller.Anonymous.KeyName, caller.FindFirstValue(ApiKeyDefaults.PolicyProfileClaim));
        var seen = new RequestSeen();
        try
        {
            var answer = await AnswerAsync(rawUrl, who.Profile, seen, cancellationToken);
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

    private async Task<MetadataAnswer> AnswerAsync(string? rawUrl, string? profile, RequestSeen seen, CancellationToken cancellationToken)
    {
        var egress = egressOptions.CurrentValue;
        var url = RemoteUrlParser.Parse(rawUrl, egress);
        seen.Host = HostPolicy.NormalizeHost(url.Host);
        var policy = policies.For(profile);
        if (!HostPolicy.IsAllowed(url.Host, policy))
        {
            throw GatewayException.BadRequest(ErrorCodes.UnsupportedSource, $"The host \"{HostPolicy.NormalizeHost(url.Host)}\" is not an allowed source.");
        }

        var source = sources.Select(url);
        seen.Source = source.Name;
        var sourceKey = source.CacheKey(url); // rejects a URL shape the source cannot read, before any request
        // The facts are shared by every caller: redirects are held to the base policy's BlockedHosts, not the caller's.
        var blockedHosts = policies.For(profile: null).BlockedHosts;
        var lookup = await cache.GetOrProbeAsync(source.Name, sourceKey,
            ct => ProbeAsync(source, url, blockedHosts, egress.Timeout, ct), egress.Timeout, cancellationToken);
        var facts = lookup.Facts;
        var verdict = PolicyEvaluator.Evaluate(facts, policy);
        if (lookup.Status == CacheStatus.Stale)
        {
            verdict = verdict with { Warnings = [.. verdict.Warnings, StaleWarning(lookup.AnsweredAt)] };
        }
        return new MetadataAnswer(AssetMetadataResponse.From(facts, verdict), lookup.Status);
    }

    private static ValidationIssue StaleWarning(DateTimeOffset answeredAt) => new(ValidationCodes.StaleMetadata,
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The source could not be reached; these facts are from {answeredAt:yyyy-MM-ddTHH:mm:ssZ} and may be out of date."),
        "metadata");

    /// <summary>One probe of the source (a cache miss), timed for the <c>modelgateway.probe.duration</c> histogram.</summary>
    private async Task<AssetFacts> ProbeAsync(IMetadataSource source, Uri url, IReadOnlyList<string> blockedHosts, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var outcome = "error";
        try
        {
            var facts = await ProbeWithinAsync(source, url, blockedHosts, timeout, cancellationToken);
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

    private async Task<AssetFacts> ProbeWithinAsync(IMetadataSource source, Uri url, IReadOnlyList<string> blockedHosts, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var result = await source.ProbeAsync(url, blockedHosts, linked.Token);
            if (!sniffingOptions.CurrentValue.VerifyContent)
            {
                return result.Facts;
            }
            try
            {
                return await contentInspector.InspectAsync(result, blockedHosts, linked.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return ContentVerification.Unverified(result.Facts); // the source answered; only the content check ran out of time
            }
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

    /// <summary>What the request has learned so far, for its audit event.</summary>
    private sealed class RequestSeen
    {
        public string? Host { get; set; }

        public string? Source { get; set; }
    }
}

/// <summary>The response, and how the metadata cache produced it (<c>X-Cache-Status</c>).</summary>
internal sealed record MetadataAnswer(AssetMetadataResponse Response, CacheStatus CacheStatus);
