using ModelGateway.Egress;
using ModelGateway.Primitives;

namespace ModelGateway.Assets;

/// <summary>How a transport failure of a probe is answered: 422 with the code the API documents (docs/api.md).</summary>
internal static class EgressFailures
{
    public static string CodeFor(EgressFailure failure) => failure switch
    {
        EgressFailure.Timeout => ErrorCodes.NetworkTimeout,
        EgressFailure.ConnectionRefused => ErrorCodes.ConnectionRefused,
        EgressFailure.HostUnreachable or EgressFailure.PrivateAddress => ErrorCodes.InvalidHost,
        EgressFailure.BlockedHost or EgressFailure.BadTarget or EgressFailure.RedirectLoop or EgressFailure.TooManyRedirects => ErrorCodes.HttpError,
        EgressFailure.Tls or EgressFailure.InvalidResponse or EgressFailure.ConnectionLost or EgressFailure.TruncatedBody => ErrorCodes.NetworkError,
        EgressFailure.BodyTooLarge => ErrorCodes.MetadataFetchFailed,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };

    /// <summary>The answer to <paramref name="failure"/>: its code, its message (which names no secret).</summary>
    public static GatewayException ToGatewayException(EgressException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return GatewayException.SourceFailed(CodeFor(failure.Failure), failure.Message, failure);
    }
}
