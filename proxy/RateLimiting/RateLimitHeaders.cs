using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace ModelGateway.RateLimiting;

/// <summary>
/// The response fields of draft-ietf-httpapi-ratelimit-headers-10 (structured-field lists, one item per policy):
/// <c>RateLimit-Policy: "per-key";q=60;w=60</c> (quota and window in seconds) and
/// <c>RateLimit: "per-key";r=59;t=60</c> (remaining quota, seconds until a permit frees), plus <c>Retry-After</c>
/// on refusals. The items are appended, so a forwarded upstream's own policies (Hugging Face sends them) stay listed.
/// </summary>
internal static class RateLimitHeaders
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string RateLimitHeader = "RateLimit";

    /// <summary><c>"name";q=limit;w=window</c>.</summary>
    public static string FormatPolicy(string policyName, int limit, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(policyName);
        return string.Create(CultureInfo.InvariantCulture, $"\"{policyName}\";q={limit};w={Seconds(window)}");
    }

    /// <summary><c>"name";r=remaining;t=reset</c>.</summary>
    public static string FormatRateLimit(string policyName, int remaining, TimeSpan resetAfter)
    {
        ArgumentNullException.ThrowIfNull(policyName);
        return string.Create(CultureInfo.InvariantCulture, $"\"{policyName}\";r={Math.Max(0, remaining)};t={Seconds(resetAfter)}");
    }

    /// <summary>Whole seconds, rounded up: a client that waits this long finds the permit free.</summary>
    public static long Seconds(TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(duration.TotalSeconds - 1e-9);

    /// <summary><c>Retry-After</c> delta-seconds: rounded up, at least 1 (0 would invite an immediate, refused retry).</summary>
    public static long RetryAfterSeconds(TimeSpan duration) => Math.Max(1, Seconds(duration));

    /// <summary>Writes the fields for <paramref name="decision"/> onto <paramref name="headers"/>.</summary>
    public static void Apply(IHeaderDictionary headers, string policyName, RateLimitDecision decision)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(decision);
        headers.Append(PolicyHeader, FormatPolicy(policyName, decision.Limit, decision.Window));
        if (decision.Outcome != RateLimitOutcome.StoreUnavailable)
        {
            // Nothing was counted when the store is down: no remaining quota to announce.
            headers.Append(RateLimitHeader, FormatRateLimit(policyName, decision.Remaining, decision.ResetAfter));
        }
        if (!decision.IsPermitted)
        {
            headers[HeaderNames.RetryAfter] = RetryAfterSeconds(decision.ResetAfter).ToString(CultureInfo.InvariantCulture);
        }
    }
}
