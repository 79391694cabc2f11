using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ModelGateway.Callers;

namespace ModelGateway.RateLimiting;

/// <summary>
/// The step before ASP.NET Core's rate limiter: for an endpoint limited by the <c>per-key</c> policy it makes the
/// request's decision (one Redis call, or in memory) and keeps it on the request as a <see cref="RateLimitDecision"/>
/// feature, which <see cref="GatewayRateLimiterPolicy"/> enforces. The rate-limit headers are written when the
/// response starts, so every answer of a limited route carries them, and on a forwarded route they are added after
/// YARP has copied the upstream's own.
/// </summary>
/// <remarks>
/// The decision is made here, not in a <c>RateLimiter</c> the middleware calls, because ASP.NET Core's middleware
/// shows the lease to <c>OnRejected</c> only, never to a request it lets through, and both need the headers.
/// </remarks>
internal sealed class RateLimitDecisionMiddleware(RequestDelegate next, GatewayRateLimiter limiter, IOptionsMonitor<RateLimitingOptions> options)
{
    private static readonly Func<object, Task> WriteHeaders = static state =>
    {
        var context = (HttpContext)state;
        RateLimitHeaders.Apply(context.Response.Headers, RateLimitingDefaults.PolicyName, context.Features.GetRequiredFeature<RateLimitDecision>());
        return Task.CompletedTask;
    };

    public Task InvokeAsync(HttpContext context)
    {
        if (!IsLimitedPerKey(context.GetEndpoint()))
        {
            return next(context);
        }
        // The caller authentication resolved; a context it never touched (this step alone, in a test) is resolved here.
        var caller = context.Features.Get<Caller>() ?? Caller.Resolve(context.User, context.Connection.RemoteIpAddress, options.CurrentValue.PermitLimit);
        var partition = RateLimitPartitionKey.Of(caller);
        var deciding = limiter.DecideAsync(partition);
        return deciding.IsCompletedSuccessfully ? Continue(context, deciding.Result) : ContinueAsync(context, deciding);
    }

    /// <summary>As ASP.NET Core's middleware chooses the policy: Disable wins, else the named policy applies.</summary>
    internal static bool IsLimitedPerKey(Endpoint? endpoint) =>
        endpoint is not null
        && endpoint.Metadata.GetMetadata<DisableRateLimitingAttribute>() is null
        && endpoint.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == RateLimitingDefaults.PolicyName;

    private async Task ContinueAsync(HttpContext context, ValueTask<RateLimitDecision> deciding) =>
        await Continue(context, await deciding);

    private Task Continue(HttpContext context, RateLimitDecision decision)
    {
        context.Features.Set(decision);
        context.Response.OnStarting(WriteHeaders, context);
        return next(context);
    }
}
