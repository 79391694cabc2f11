using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Telemetry;

namespace ModelGateway.Auth;

/// <summary>
/// Authenticates the gateway key, presented as <c>X-API-Key</c> or as <c>Authorization: Bearer</c>; a challenge answers
/// 401 with the Comfy error body. A client address that has used up its failed-authentication budget (<see cref="FailedAuthenticationLimiter"/>) has no key checked until its window
/// ends, and where a key is required it is answered 429 <c>RATE_LIMITED</c> with <c>Retry-After</c> instead.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore store,
    FailedAuthenticationLimiter failedAttempts,
    GatewayTelemetry telemetry)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    // Set when this request's address is over its failed-authentication budget (one handler per request and scheme).
    private TimeSpan? _keyCheckRefusedFor;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = PresentedKey(Request.Headers);
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var address = Context.Connection.RemoteIpAddress;
        if (failedAttempts.RefusedFor(address) is { } refusedFor)
        {
            _keyCheckRefusedFor = refusedFor;
            return Task.FromResult(AuthenticateResult.Fail("Too many failed API key attempts from this address."));
        }
        if (values.Count > 1 || store.Find(values[0]!) is not { } entry)
        {
            failedAttempts.RecordFailure(address, StringComparer.Ordinal.GetHashCode(values.ToString()));
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, entry.Name) };
        if (!string.IsNullOrEmpty(entry.Policy))
        {
            claims.Add(new Claim(ApiKeyDefaults.PolicyProfileClaim, entry.Policy));
        }
        if (entry.PermitLimit is { } limit)
        {
            claims.Add(new Claim(RateLimitingDefaults.PermitLimitClaim, limit.ToString(CultureInfo.InvariantCulture)));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    /// <summary>
    /// The key as presented: <c>X-API-Key</c> when the request has one, else the token of <c>Authorization: Bearer</c>
    /// (what Hugging Face clients send as their token). Several values are returned as they are, and refused.
    /// </summary>
    internal static StringValues PresentedKey(IHeaderDictionary headers)
    {
        if (headers.TryGetValue(ApiKeyDefaults.HeaderName, out var apiKey) && apiKey.Count > 0)
        {
            return apiKey;
        }
        if (!headers.TryGetValue(HeaderNames.Authorization, out var authorization) || authorization.Count == 0)
        {
            return StringValues.Empty;
        }
        if (authorization.Count > 1)
        {
            return authorization;
        }
        var value = authorization[0] ?? string.Empty;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && value.AsSpan(0, space).Equals(ApiKeyDefaults.BearerScheme, StringComparison.OrdinalIgnoreCase)
            ? new StringValues(value[(space + 1)..].Trim(' '))
            : StringValues.Empty; // another scheme (Basic, …) carries no gateway key
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_keyCheckRefusedFor is { } refusedFor)
        {
            telemetry.FailedAuthenticationBudgetRefused();
            var seconds = RateLimitHeaders.RetryAfterSeconds(refusedFor);
            Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
            return WriteErrorAsync(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, string.Create(CultureInfo.InvariantCulture,
                $"Too many failed API key attempts from this address: no key is checked for {seconds} seconds. Retry after {seconds} seconds."));
        }
        telemetry.Unauthenticated(Context.Connection.RemoteIpAddress, keyPresented: PresentedKey(Request.Headers).Count > 0);
        return WriteErrorAsync(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized,
            $"A valid API key is required in the {ApiKeyDefaults.HeaderName} header or as Authorization: Bearer <key>.");
    }

    private Task WriteErrorAsync(int status, string code, string message)
    {
        Response.StatusCode = status;
        return Response.WriteAsJsonAsync(new ErrorResponse(code, message), GatewayJson.Options, Context.RequestAborted);
    }
}
