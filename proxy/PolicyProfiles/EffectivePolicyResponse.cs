using ModelGateway.Policies;

namespace ModelGateway.PolicyProfiles;

/// <summary>
/// The 200 body of <c>GET /api/assets/policy</c>: the policy the caller's requests are judged by (its key's profile over
/// the base <c>Policy</c>) and its rate limit. Serialized snake_case; <c>profile</c> is omitted for a key without one.
/// </summary>
internal sealed record EffectivePolicyResponse
{
    public required string KeyName { get; init; }

    public string? Profile { get; init; }

    /// <summary>Empty: any format.</summary>
    public required IReadOnlyList<string> AllowedFormats { get; init; }

    /// <summary>0: no limit.</summary>
    public required long MaxSizeBytes { get; init; }

    /// <summary>Empty: any public host (the base policy's <c>AllowedHosts</c> must allow a host as well).</summary>
    public required IReadOnlyList<string> AllowedHosts { get; init; }

    /// <summary>The base policy's and the profile's: a profile can add hosts to block, never unblock one.</summary>
    public required IReadOnlyList<string> BlockedHosts { get; init; }

    /// <summary>ComfyUI folders; empty: any known folder.</summary>
    public required IReadOnlyList<string> AllowedModelTypes { get; init; }

    /// <summary><c>Warn</c> or <c>Deny</c>: a file whose bytes could not be read or recognised.</summary>
    public required string UnverifiedContent { get; init; }

    /// <summary><c>Warn</c> or <c>Deny</c>: a file whose size no source tells.</summary>
    public required string UnknownSize { get; init; }

    public required RateLimitResponse RateLimit { get; init; }

    public static EffectivePolicyResponse From(string keyName, string? profile, PolicySettings policy, PolicySettings basePolicy,
        int permitLimit, int windowSeconds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(basePolicy);
        return new EffectivePolicyResponse
        {
            KeyName = keyName,
            Profile = profile,
            AllowedFormats = policy.AllowedFormats.Select(f => f.ToString()).ToArray(),
            MaxSizeBytes = policy.MaxSizeBytes,
            AllowedHosts = policy.AllowedHosts,
            BlockedHosts = [.. basePolicy.BlockedHosts.Union(policy.BlockedHosts, StringComparer.Ordinal)],
            AllowedModelTypes = policy.AllowedModelTypes,
            UnverifiedContent = policy.UnverifiedContent.ToString(),
            UnknownSize = policy.UnknownSize.ToString(),
            RateLimit = new RateLimitResponse(permitLimit, windowSeconds),
        };
    }
}

/// <summary>Requests per sliding window of <c>window_seconds</c>.</summary>
internal sealed record RateLimitResponse(int Limit, int WindowSeconds);
