namespace ModelGateway.Auth;

/// <summary>One configured API key (<c>ApiKeys:N</c>). Only the key's SHA-256 is stored.</summary>
internal sealed class ApiKeyEntry
{
    /// <summary>Who the key belongs to; shown in logs and used as the rate-limit partition.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Hex SHA-256 of the key's UTF-8 bytes (64 hex digits).</summary>
    public string KeySha256 { get; set; } = string.Empty;

    /// <summary>Overrides <c>RateLimiting:PermitLimit</c> for this key.</summary>
    public int? PermitLimit { get; set; }

    /// <summary>The <c>PolicyProfiles</c> entry that applies to this key's requests.</summary>
    public string? Policy { get; set; }

    /// <summary>
    /// Client networks (CIDR) whose requests without a key are this entry's (clients that cannot send one); a key sent
    /// explicitly always wins. With networks, <see cref="KeySha256"/> may be empty: the entry is then reached by network only.
    /// </summary>
    public List<string> Networks { get; set; } = [];
    /// <summary><c>Admin</c> for a key that may read what every key did (<c>GET /api/admin/decisions</c>); empty for others.</summary>
    public string? Role { get; set; }
}

/// <summary>All configured keys.</summary>
internal sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    public List<ApiKeyEntry> Keys { get; set; } = [];
}
