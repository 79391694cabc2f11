using ModelGateway.Egress;
using ModelGateway.Assets;
using ModelGateway.Primitives;

namespace ModelGateway.UnitTests.Assets;

public sealed class EgressFailuresTests
{
    [Theory]
    [InlineData(nameof(EgressFailure.Timeout), ErrorCodes.NetworkTimeout)]
    [InlineData(nameof(EgressFailure.ConnectionRefused), ErrorCodes.ConnectionRefused)]
    [InlineData(nameof(EgressFailure.HostUnreachable), ErrorCodes.InvalidHost)]
    [InlineData(nameof(EgressFailure.PrivateAddress), ErrorCodes.InvalidHost)]
    [InlineData(nameof(EgressFailure.BlockedHost), ErrorCodes.HttpError)]
    [InlineData(nameof(EgressFailure.BadTarget), ErrorCodes.HttpError)]
    [InlineData(nameof(EgressFailure.RedirectLoop), ErrorCodes.HttpError)]
    [InlineData(nameof(EgressFailure.TooManyRedirects), ErrorCodes.HttpError)]
    [InlineData(nameof(EgressFailure.Tls), ErrorCodes.NetworkError)]
    [InlineData(nameof(EgressFailure.InvalidResponse), ErrorCodes.NetworkError)]
    [InlineData(nameof(EgressFailure.ConnectionLost), ErrorCodes.NetworkError)]
    [InlineData(nameof(EgressFailure.TruncatedBody), ErrorCodes.NetworkError)]
    [InlineData(nameof(EgressFailure.BodyTooLarge), ErrorCodes.MetadataFetchFailed)]
    public void ToGatewayException_EveryFailure_422WithItsCodeAndTheEgressMessage(string failure, string code)
    {
        var egress = new EgressException(Enum.Parse<EgressFailure>(failure), "What happened on the wire.");

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
