using ModelGateway.RateLimiting;

namespace Microsoft.AspNetCore.Builder;

internal static class RateLimitingApplicationBuilderExtensions
{
    /// <summary>
    /// The <c>per-key</c> decision step, then ASP.NET Core's rate limiter enforcing it. After authentication and
    /// authorization: keys are counted by name, and requests refused for want of a key are not counted.
    /// </summary>
    public static IApplicationBuilder UseGatewayRateLimiter(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<RateLimitDecisionMiddleware>();
        return app.UseRateLimiter();
    }
}
