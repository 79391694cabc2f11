using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using ModelGateway.Callers;
using ModelGateway.Primitives;
using ModelGateway.RateLimiting;
using ModelGateway.Telemetry;

namespace ModelGateway.Auth;

/// <summary>
/// Authenticates the gateway key, presented as <c>X-API-Key</c> or as <c>Authorization: Bearer</c>; a challenge answers
/// 401 with the Comfy error body. A request without a key from a network an entry names is that entry's. A wrong key from
/// a client address that has used up its failed-authentication budget (<see cref="FailedAuthenticationLimiter"/>) is
/// answered 429 <c>RATE_LIMITED</c> with <c>Retry-After</c> until its window ends; a valid key from it is served.
/// </summary>
/// <remarks>
/// A plain <see cref="IAuthenticationHandler"/> rather than an <c>AuthenticationHandler&lt;TOptions&gt;</c>: it runs on
/// every request, and the base class's per-request options, logger and event plumbing are of no use to a scheme with
/// neither options nor events. One instance per request and scheme, as ASP.NET Core's handler provider requires.
/// </remarks>
internal sealed class ApiKeyAuthenticationHandler(
    ApiKeyStore store,
    FailedAuthenticationLimiter failedAttempts,
    IOptionsMonitor<RateLimitingOptions> rateLimits,
    GatewayTelemetry telemetry) : IAuthenticationHandler
{
    private AuthenticationScheme _scheme = null!;
    private HttpContext _context = null!;
    private Task<AuthenticateResult>? _result;

    // Set when this request's address is over its failed-authentication budget.
    private TimeSpan? _keyCheckRefusedFor;

    // A non-empty key was presented (an empty X-API-Key is no key), whatever became of it.
    private bool _keyPresented;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _scheme = scheme;
        _context = context;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The key is checked once per request: authorization asking again gets the same answer. The request's
    /// <see cref="Caller"/> is resolved with it, once, for everything after (the anonymous caller without a valid key).
    /// </summary>
    public Task<AuthenticateResult> AuthenticateAsync() => _result ??= Task.FromResult(Resolve(Authenticate()));

    private AuthenticateResult Resolve(AuthenticateResult result)
    {
        _context.SetCaller(Caller.Resolve(result.Succeeded ? result.Principal : null, _context.Connection.RemoteIpAddress,
            rateLimits.CurrentValue.PermitLimit));
        return result;
    }

    private AuthenticateResult Authenticate()
    {
        var values = PresentedKey(_context.Request.Headers);
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            // No key: a client on a network an entry names (ApiKeys:N:Networks) is that entry; a key sent always wins.
            return store.FindByNetwork(_context.Connection.RemoteIpAddress) is { } networkEntry ? Success(networkEntry) : AuthenticateResult.NoResult();
        }
        _keyPresented = true;
        var address = _context.Connection.RemoteIpAddress;
        if (values.Count > 1 || store.Find(values[0]!) is not { } entry)
        {
            // Only wrong keys meet the address's failed-key budget: a valid key from it (a NAT, an office) is always served.
            if (failedAttempts.RefusedFor(address) is { } refusedFor)
            {
                _keyCheckRefusedFor = refusedFor;
                return AuthenticateResult.Fail("Too many failed API key attempts from this address.");
            }
            failedAttempts.RecordFailure(address, StringComparer.Ordinal.GetHashCode(values.ToString()));
            return AuthenticateResult.Fail("Unknown API key.");
        }
        return Success(entry);
    }

    private AuthenticateResult Success(ApiKeyEntry entry)
    {
        var claims = new List<Claim>(3) { new(ClaimTypes.Name, entry.Name) };
        if (!string.IsNullOrEmpty(entry.Policy))
        {
            claims.Add(new Claim(ApiKeyDefaults.PolicyProfileClaim, entry.Policy));
        }
        if (string.Equals(entry.Role, ApiKeyDefaults.AdminRole, StringComparison.OrdinalIgnoreCase))
        {
            claims.Add(new Claim(ApiKeyDefaults.RoleClaim, ApiKeyDefaults.AdminRole));
        }
        if (entry.PermitLimit is { } limit)
        {
            claims.Add(new Claim(RateLimitingDefaults.PermitLimitClaim, limit.ToString(CultureInfo.InvariantCulture)));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, _scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, _scheme.Name));
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

    public Task ChallengeAsync(AuthenticationProperties? properties)
    {
        _ = AuthenticateAsync(); // the outcome the challenge answers: computed once per request, so usually already known
        var response = _context.Response;
        if (_keyCheckRefusedFor is { } refusedFor)
        {
            telemetry.FailedAuthenticationBudgetRefused();
            var seconds = RateLimitHeaders.RetryAfterSeconds(refusedFor);
            response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
            return WriteErrorAsync(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, string.Create(CultureInfo.InvariantCulture,
                $"Too many failed API key attempts from this address: wrong keys are refused for {seconds} seconds (valid keys are served). Retry after {seconds} seconds."));
        }
        telemetry.Unauthenticated(_context.Connection.RemoteIpAddress, keyPresented: _keyPresented);
        return WriteErrorAsync(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized,
            $"A valid API key is required in the {ApiKeyDefaults.HeaderName} header or as Authorization: Bearer <key>.");
    }

    /// <summary>A key that is known but not allowed here: 403, as ASP.NET Core's handlers answer.</summary>
    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        _context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    private Task WriteErrorAsync(int status, string code, string message)
    {
        _context.Response.StatusCode = status;
        return _context.Response.WriteAsJsonAsync(new ErrorResponse(code, message), GatewayJson.Options, _context.RequestAborted);
    }
}
