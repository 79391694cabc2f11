namespace ModelGateway.Egress;

/// <summary>
/// Why an egress request got no usable answer, as YARP's <c>ForwarderError</c> says why a forward failed: the
/// transport's own outcome. The endpoint that shapes the answer maps it to a status and a code.
/// </summary>
internal enum EgressFailure
{
    /// <summary>No answer within <c>Egress:TimeoutSeconds</c>, or no connection within its connect timeout.</summary>
    Timeout,

    /// <summary>The host refused the connection.</summary>
    ConnectionRefused,

    /// <summary>
    /// The host does not resolve, resolves only to blocked addresses, or is an origin only its own source's requests
    /// may reach.
    /// </summary>
    HostUnreachable,

    /// <summary>The URL names a private, loopback or link-local address itself (a literal or <c>localhost</c>).</summary>
    PrivateAddress,

    /// <summary>A hop to a host outside the request's host lists (<see cref="EgressRequest.BlockedHosts"/>, <see cref="EgressRequest.AllowedHosts"/>).</summary>
    BlockedHost,

    /// <summary>A hop that is never sent: not http(s), credentials in the URL, a malformed host or Location, a port not allowed.</summary>
    BadTarget,

    /// <summary>A redirect back to a URL already requested.</summary>
    RedirectLoop,

    /// <summary>More redirects than <c>Egress:MaxRedirects</c>.</summary>
    TooManyRedirects,

    /// <summary>The TLS handshake failed.</summary>
    Tls,

    /// <summary>The answer is not valid HTTP, or its header block is larger than allowed.</summary>
    InvalidResponse,

    /// <summary>The connection failed or closed before a full answer's headers.</summary>
    ConnectionLost,

    /// <summary>The connection closed before the full body.</summary>
    TruncatedBody,

    /// <summary>The body is larger than the reader's bound.</summary>
    BodyTooLarge,
}

/// <summary>An egress request that failed in transport; <see cref="Exception.Message"/> says what happened, never with a secret.</summary>
internal sealed class EgressException(EgressFailure failure, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public EgressFailure Failure { get; } = failure;
}
