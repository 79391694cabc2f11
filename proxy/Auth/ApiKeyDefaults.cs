namespace ModelGateway.Auth;

internal static class ApiKeyDefaults
{
    /// <summary>The authentication scheme and the authorization policy YARP routes name.</summary>
    public const string SchemeName = "ApiKey";

    public const string PolicyName = "ApiKey";

    public const string HeaderName = "X-API-Key";

    /// <summary>Claim type carried by an authenticated key with a policy profile.</summary>
    public const string PolicyProfileClaim = "gateway:policy";
}
