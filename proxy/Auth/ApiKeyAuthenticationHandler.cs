using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelGateway.Primitives;

namespace ModelGateway.Auth;

/// <summary>Authenticates <c>X-API-Key</c>; a challenge answers 401 with the Comfy error body.</summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyDefaults.HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (values.Count > 1 || store.Find(values[0]!) is not { } entry)
        {
            Log.UnknownKey(Logger, Context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, entry.Name) };
        if (!string.IsNullOrEmpty(entry.Policy))
        {
            claims.Add(new Claim(ApiKeyDefaults.PolicyProfileClaim, entry.Policy));
        }
        if (entry.PermitLimit is { } limit)
        {
            claims.Add(new Claim(ApiKeyDefaults.PermitLimitClaim, limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteErrorAsync(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized,
            $"A valid API key is required in the {ApiKeyDefaults.HeaderName} header.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteErrorAsync(StatusCodes.Status403Forbidden, "FORBIDDEN", "This API key may not use this route.");

    private Task WriteErrorAsync(int status, string code, string message)
    {
        Response.StatusCode = status;
        return Response.WriteAsJsonAsync(new ErrorResponse(code, message), GatewayJson.Options, Context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Rejected an unknown API key from {RemoteAddress}.", EventName = "UnknownApiKey")]
        public static partial void UnknownKey(ILogger logger, string remoteAddress);
    }
}
