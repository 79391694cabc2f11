using ModelGateway.Policies;

namespace ModelGateway.Policy;

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

    /// <summary>Empty: any public host.</summary>
    public required IReadOnlyList<string> AllowedHosts { get; init; }

    public required IReadOnlyList<string> BlockedHosts { get; init; }

    /// <summary>ComfyUI folders; empty: any known folder.</summary>
    public required IReadOnlyList<string> AllowedModelTypes { get; init; }

    public required RateLimitResponse RateLimit { get; init; }

    public static EffectivePolicyResponse From(string keyName, string? profile, PolicySettings policy, int permitLimit, int windowSeconds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        // Policy:UnverifiedContent and Policy:UnknownSize (Warn or Deny) join here as unverified_content and unknown_size
        // once PolicySettings carries them.
        return new EffectivePolicyResponse
        {
            KeyName = keyName,
            Profile = profile,
            AllowedFormats = policy.AllowedFormats.Select(f => f.ToString()).ToArray(),
            MaxSizeBytes = policy.MaxSizeBytes,
            AllowedHosts = policy.AllowedHosts,
            BlockedHosts = policy.BlockedHosts,
            AllowedModelTypes = policy.AllowedModelTypes,
            RateLimit = new RateLimitResponse(permitLimit, windowSeconds),
        };
    }
}

/// <summary>Requests per sliding window of <c>window_seconds</c>.</summary>
internal sealed record RateLimitResponse(int Limit, int WindowSeconds);
