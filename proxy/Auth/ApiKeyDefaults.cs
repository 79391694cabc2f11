namespace ModelGateway.Auth;

internal static class ApiKeyDefaults
{
    /// <summary>The authentication scheme and the authorization policy YARP routes name.</summary>
    public const string SchemeName = "ApiKey";

    public const string PolicyName = "ApiKey";

    public const string HeaderName = "X-API-Key";

    /// <summary>The <c>Authorization</c> scheme that carries the key too (Hugging Face clients send their token so).</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>Claim type carried by an authenticated key with a policy profile.</summary>
    public const string PolicyProfileClaim = Callers.Caller.ProfileClaim;

    /// <summary>Claim type carried by a key with a <c>Role</c>; its value is the role (<see cref="AdminRole"/>).</summary>
    public const string RoleClaim = "gateway:role";

    /// <summary>The one role there is: admin reads (the decisions of every key).</summary>
    public const string AdminRole = "Admin";
}
