using ModelGateway.Egress;
using ModelGateway.Metadata;
using ModelGateway.Primitives;

namespace ModelGateway.UnitTests.Metadata;

public sealed class EgressFailuresTests
{
    [Theory]
    [InlineData(EgressFailure.Timeout, ErrorCodes.NetworkTimeout)]
    [InlineData(EgressFailure.ConnectionRefused, ErrorCodes.ConnectionRefused)]
    [InlineData(EgressFailure.HostUnreachable, ErrorCodes.InvalidHost)]
    [InlineData(EgressFailure.PrivateAddress, ErrorCodes.InvalidHost)]
    [InlineData(EgressFailure.BlockedHost, ErrorCodes.HttpError)]
    [InlineData(EgressFailure.BadTarget, ErrorCodes.HttpError)]
    [InlineData(EgressFailure.RedirectLoop, ErrorCodes.HttpError)]
    [InlineData(EgressFailure.TooManyRedirects, ErrorCodes.HttpError)]
    [InlineData(EgressFailure.Tls, ErrorCodes.NetworkError)]
    [InlineData(EgressFailure.InvalidResponse, ErrorCodes.NetworkError)]
    [InlineData(EgressFailure.ConnectionLost, ErrorCodes.NetworkError)]
    [InlineData(EgressFailure.TruncatedBody, ErrorCodes.NetworkError)]
    [InlineData(EgressFailure.BodyTooLarge, ErrorCodes.MetadataFetchFailed)]
    public void ToGatewayException_EveryFailure_422WithItsCodeAndTheEgressMessage(EgressFailure failure, string code)
    {
        var egress = new EgressException(failure, "What happened on the wire.");

        var answer = EgressFailures.ToGatewayException(egress);

        Assert.Equal((422, code, "What happened on the wire."), (answer.StatusCode, answer.Code, answer.Message));
        Assert.Same(egress, answer.InnerException);
    }

    [Fact]
    public void CodeFor_EveryDefinedFailure_HasACode()
    {
        Assert.All(Enum.GetValues<EgressFailure>(), failure => Assert.NotEmpty(EgressFailures.CodeFor(failure)));
    }
}
