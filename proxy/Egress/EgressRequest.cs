using ModelGateway.Policies;

namespace ModelGateway.Egress;

/// <summary>Which redirects <see cref="EgressClient"/> follows by itself.</summary>
internal enum RedirectMode
{
    /// <summary>Follow every redirect (each hop re-checked) up to <c>Egress:MaxRedirects</c>.</summary>
    Follow,

    /// <summary>Follow redirects that stay on the same host; return a redirect to another host as the answer.</summary>
    SameHostOnly,

    /// <summary>Return the first answer, redirect or not.</summary>
    None,
}

/// <summary>One logical outbound request.</summary>
/// <param name="Method">HEAD or GET.</param>
/// <param name="Url">Where to start.</param>
/// <param name="Configure">
/// Called for every hop with the hop's <see cref="HttpRequestMessage.RequestUri"/> set: the place to add a Range
/// header or a source token — and to leave the token off when the hop is on another host.
/// </param>
internal sealed record EgressRequest(HttpMethod Method, Uri Url, Action<HttpRequestMessage>? Configure = null)
{
    /// <summary>
    /// Host patterns (as <see cref="Policies.HostPolicy.Matches"/> reads them, normalized) no hop may go to — the first
    /// one included — except a <see cref="Trusted"/> request's hops to its own origin. For a probe: the base policy's.
    /// </summary>
    public required IReadOnlyList<string> BlockedHosts { get; init; }

    /// <summary>When not empty, the only host patterns a hop may go to, with the same exception as <see cref="BlockedHosts"/>.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// A policy whose host lists every hop must pass as well (with the same exception as <see cref="BlockedHosts"/>): the
    /// caller's, for a request made for one caller only (a download), so a profile that narrows the base lists holds on
    /// its hops too. Null for a probe, whose facts every caller shares.
    /// </summary>
    public PolicySettings? CallerPolicy { get; init; }

    /// <summary>Where to record the host of every hop sent (but a trusted one) and of a redirect returned unfollowed.</summary>
    public HostTrail? Trail { get; init; }

    public RedirectMode Redirects { get; init; } = RedirectMode.Follow;

    /// <summary>
    /// Set only by a named source for a request to its own <c>BaseUrl</c> origin: hops on that origin (and no other)
    /// may then be private and on any port when it is a trusted origin (<see cref="EgressHopGuard"/>). A user's URL or a
    /// redirect that names a trusted origin without this is refused.
    /// </summary>
    public bool Trusted { get; init; }
}
