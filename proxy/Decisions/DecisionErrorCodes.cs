namespace ModelGateway.Decisions;

/// <summary>The admin reads' own error codes (docs/api.md, "Admin reads").</summary>
internal static class DecisionErrorCodes
{
    /// <summary>403: the key is known but has no <c>Role: Admin</c>.</summary>
    public const string AdminRequired = "ADMIN_REQUIRED";

    /// <summary>400: a query parameter is out of range, repeated, or not one of its values (the message names it).</summary>
    public const string InvalidQuery = "INVALID_QUERY";
}
