using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using ModelGateway.Callers;
using ModelGateway.Primitives;
using ModelGateway.Telemetry;

namespace ModelGateway.RateLimiting;

/// <summary>
/// The <c>per-key</c> policy of ASP.NET Core's rate limiter: it enforces the decision
/// <see cref="RateLimitDecisionMiddleware"/> made for the request (one window per API key, or per client address for
/// requests without a key). Refusals answer 429 <c>RATE_LIMITED</c>, or 503 <c>SERVICE_UNAVAILABLE</c> when Redis is
/// down and the gateway fails closed; their headers are the decision step's.
/// </summary>
internal sealed class GatewayRateLimiterPolicy : IRateLimiterPolicy<bool>
{
    private static readonly RateLimitPartition<bool> Permitted = RateLimitPartition.GetNoLimiter(true);
    private static readonly RateLimitPartition<bool> Refused = RateLimitPartition.Get(false, _ => new RefusingLimiter());

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = WriteRejectionAsync;

    public RateLimitPartition<bool> GetPartition(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var decision = httpContext.Features.Get<RateLimitDecision>()
            ?? throw new InvalidOperationException("No rate-limit decision: use UseGatewayRateLimiter(), not UseRateLimiter().");
        return decision.IsPermitted ? Permitted : Refused;
    }

    /// <summary>The status and body of a refusal.</summary>
    internal static (int Status, ErrorResponse Error) Rejection(RateLimitDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var retryAfter = RateLimitHeaders.RetryAfterSeconds(decision.ResetAfter);
        return decision.Outcome == RateLimitOutcome.StoreUnavailable
            ? (StatusCodes.Status503ServiceUnavailable, new ErrorResponse(ErrorCodes.ServiceUnavailable, string.Create(CultureInfo.InvariantCulture,
                $"The rate limit store is unreachable, so requests are refused for now. Retry after {retryAfter} seconds.")))
            : (StatusCodes.Status429TooManyRequests, new ErrorResponse(ErrorCodes.RateLimited, string.Create(CultureInfo.InvariantCulture,
                $"Too many requests: the limit is {decision.Limit} per {RateLimitHeaders.Seconds(decision.Window)} seconds. Retry after {retryAfter} seconds.")));
    }

    private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var decision = context.HttpContext.Features.GetRequiredFeature<RateLimitDecision>();
        var (status, error) = Rejection(decision);
        Audit(context.HttpContext, decision, status, error.Code);
        context.HttpContext.Response.StatusCode = status;
        await context.HttpContext.Response.WriteAsJsonAsync(error, GatewayJson.Options, cancellationToken);
    }

    /// <summary>The refusal's audit event: the key's name, or for a request without one the client's address.</summary>
    private static void Audit(HttpContext context, RateLimitDecision decision, int status, string code)
    {
        var keyName = context.GetCaller().KeyName;
        var endpoint = context.GetEndpoint();
        context.RequestServices.GetRequiredService<GatewayTelemetry>().RateLimited(new RateLimitAudit(
            keyName is null ? AuditCaller.Anonymous : new AuditCaller(keyName, null),
            keyName is null ? context.Connection.RemoteIpAddress : null,
            status,
            code,
            decision.Outcome == RateLimitOutcome.StoreUnavailable ? "store_unavailable" : "limited",
            decision.Limit,
            decision.Window,
            endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? (endpoint as RouteEndpoint)?.RoutePattern.RawText));
    }

    /// <summary>The partition of refused requests: the decision is already made, this only says no.</summary>
    private sealed class RefusingLimiter : RateLimiter
    {
        public override TimeSpan? IdleDuration => null;

        public override RateLimiterStatistics? GetStatistics() => null;

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => Refusal.Instance;

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            new(Refusal.Instance);
    }

    private sealed class Refusal : RateLimitLease
    {
        public static readonly Refusal Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
